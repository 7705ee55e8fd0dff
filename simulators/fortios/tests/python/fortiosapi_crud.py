"""fortiosapi (PyPI) against the simulator: log in, create, read, update and delete a firewall
address, log out. Usage: fortiosapi_crud.py <host:port> <http|https> <password>. Exit 0 = pass."""

import sys

from fortiosapi import FortiOSAPI


def check(cond, what, got):
    if not cond:
        sys.exit(f"fortiosapi: {what}: {got!r}")


def main():
    host, scheme, password = sys.argv[1], sys.argv[2], sys.argv[3]
    fgt = FortiOSAPI()
    if scheme == "http":
        fgt.https("off")
    fgt.login(host, "admin", password, verify=False)
    check(fgt.get_version() == "v5.6.0", "version after login", fgt.get_version())

    name = "py-fortiosapi"
    r = fgt.post("firewall", "address", vdom="root", data={"name": name, "subnet": "10.9.0.0/16"})
    check(r["status"] == "success" and r["mkey"] == name, "create", r)

    r = fgt.get("firewall", "address", vdom="root", mkey=name)
    check(r["status"] == "success", "read", r)
    check(r["results"][0]["subnet"] == "10.9.0.0 255.255.0.0", "read subnet", r["results"])

    # set() finds the mkey through action=schema, then PUTs.
    r = fgt.set("firewall", "address", vdom="root", data={"name": name, "comment": "from fortiosapi"})
    check(r["status"] == "success", "update", r)
    r = fgt.get("firewall", "address", vdom="root", mkey=name)
    check(r["results"][0]["comment"] == "from fortiosapi", "read after update", r["results"])

    r = fgt.delete("firewall", "address", vdom="root", mkey=name)
    check(r["status"] == "success", "delete", r)
    r = fgt.get("firewall", "address", vdom="root", mkey=name)
    check(r["http_status"] == 404, "read after delete", r)

    fgt.logout()
    print("fortiosapi: ok")


if __name__ == "__main__":
    main()
