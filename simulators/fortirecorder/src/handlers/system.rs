//! System family (§2.2.9-§2.2.13): SysInterface, SysGlobal, SysStatusUsage, SysStatusSysinfo,
//! SysStatusCommand.

use super::Req;
use crate::model::{Command, Table};
use crate::wire::{Action, FrcError, Resource};

pub(super) fn command(r: &Req) -> Result<Command, FrcError> {
    Ok(match (r.path.target(), r.action) {
        (Resource::SysInterface, Action::Get) => match r.path.target_id() {
            None => Command::List { table: Table::Interface, query: r.query.clone() },
            Some(id) => Command::Get { table: Table::Interface, id: id.to_owned() },
        },
        (Resource::SysInterface, Action::Create) => {
            Command::Create { table: Table::Interface, id: r.id()?, body: r.body.clone() }
        }
        (Resource::SysInterface, Action::Update) => {
            Command::Update { table: Table::Interface, id: r.id()?, body: r.body.clone() }
        }
        (Resource::SysInterface, Action::Delete) => Command::Delete { table: Table::Interface, id: r.id()? },
        (Resource::SysGlobal, Action::Get) => Command::GetGlobal,
        (Resource::SysGlobal, Action::Update) => Command::UpdateGlobal { body: r.body.clone() },
        (Resource::SysStatusUsage, Action::Get) => Command::Usage,
        (Resource::SysStatusSysinfo, Action::Get) => Command::Sysinfo { caller: Some(r.caller.name.clone()) },
        (Resource::SysStatusCommand, Action::Create) => Command::SysCommand { body: r.body.clone() },
        _ => return Err(FrcError::MethodNotAllowed),
    })
}
