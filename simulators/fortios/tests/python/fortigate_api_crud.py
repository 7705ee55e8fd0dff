"""fortigate-api (PyPI) against the simulator: log in, create, read, update and delete a firewall
address, log out. Usage: fortigate_api_crud.py <host> <port> <http|https> <password | token:KEY>.
With `token:KEY` the client authenticates with the API token (later-firmware profile). Exit 0 = pass."""

import sys

from fortigate_api import FortiGateAPI


def check(cond, what, got):
    if not cond:
        sys.exit(f"fortigate-api: {what}: {got!r}")


def main():
    host, port, scheme, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    if password.startswith("token:"):
        api = FortiGateAPI(host=host, port=port, scheme=scheme, token=password[len("token:"):], vdom="root")
    else:
        api = FortiGateAPI(host=host, port=port, scheme=scheme, username="admin", password=password, vdom="root")
    api.login()
    addresses = api.cmdb.firewall.address

    name = "py-fortigate-api"
    resp = addresses.create({"name": name, "subnet": "10.8.0.0 255.255.0.0"})
    check(resp.status_code == 200, "create", resp.text)
    check(addresses.is_exist(name), "exists after create", name)

    items = addresses.get(name=name)
    check(len(items) == 1 and items[0]["subnet"] == "10.8.0.0 255.255.0.0", "read", items)
    items = addresses.get(filter=f"name=={name}")
    check([i["name"] for i in items] == [name], "read with filter", items)

    resp = addresses.update({"name": name, "comment": "from fortigate-api"})
    check(resp.status_code == 200, "update", resp.text)
    check(addresses.get(name=name)[0]["comment"] == "from fortigate-api", "read after update", name)

    resp = addresses.delete(name)
    check(resp.status_code == 200, "delete", resp.text)
    check(not addresses.is_exist(name), "gone after delete", name)

    api.logout()
    print("fortigate-api: ok")


if __name__ == "__main__":
    main()
