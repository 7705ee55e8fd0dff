//! Camera configuration family (§2.2.3-§2.2.8): CameraStatus, CameraVideoProfile, CameraProfile
//! (+ CameraProfileVideoSchedule), CameraCamera (profile switch, PTZ, + CameraCameraPtzPresets),
//! ScheduleObject.

use super::Req;
use crate::model::{Command, Table};
use crate::wire::{Action, FrcError, Resource};

fn table_command(r: &Req, table: Table) -> Result<Command, FrcError> {
    Ok(match (r.action, r.path.target_id()) {
        (Action::Get, None) => Command::List { table, query: r.query.clone() },
        (Action::Get, Some(id)) => Command::Get { table, id: id.to_owned() },
        (Action::Create, _) => Command::Create { table, id: r.id()?, body: r.body.clone() },
        (Action::Update, _) => Command::Update { table, id: r.id()?, body: r.body.clone() },
        (Action::Delete, _) => Command::Delete { table, id: r.id()? },
        _ => return Err(FrcError::MethodNotAllowed),
    })
}

pub(super) fn command(r: &Req) -> Result<Command, FrcError> {
    match r.path.target() {
        Resource::CameraStatus => table_command(r, Table::CameraStatus),
        Resource::CameraVideoProfile => table_command(r, Table::VideoProfile),
        Resource::CameraProfile => table_command(r, Table::CameraProfile),
        Resource::ScheduleObject => table_command(r, Table::Schedule),
        Resource::CameraCamera => match r.action {
            Action::Ptz => Ok(Command::Ptz { camera: r.id()?, body: r.body.clone() }),
            _ => table_command(r, Table::Camera),
        },
        Resource::CameraProfileVideoSchedule => {
            let profile = r.parent()?;
            Ok(match (r.action, r.path.sub_id.clone()) {
                (Action::Get, None) => Command::ListScheduleEntries { profile },
                (Action::Get, Some(schedule)) => Command::GetScheduleEntry { profile, schedule },
                (Action::Update, Some(schedule)) => {
                    Command::UpdateScheduleEntry { profile, schedule, body: r.body.clone() }
                }
                _ => return Err(FrcError::Invalid("the URL must name the schedule".into())),
            })
        }
        Resource::CameraCameraPtzPresets => {
            let camera = r.parent()?;
            Ok(match (r.action, r.path.sub_id.clone()) {
                (Action::Get, None) => Command::ListPresets { camera },
                (Action::Get, Some(preset)) => Command::GetPreset { camera, preset },
                (Action::Create, Some(preset)) => Command::CreatePreset { camera, preset },
                (Action::Update, Some(preset)) => Command::UpdatePreset { camera, preset },
                (Action::Delete, Some(preset)) => Command::DeletePreset { camera, preset },
                _ => return Err(FrcError::Invalid("the URL must name the preset".into())),
            })
        }
        _ => Err(FrcError::UnknownResource),
    }
}
