//! Face recognition family (§2.2.15-§2.2.16): Face_recognitionUser, EmployeeFaceRecord.

use super::Req;
use crate::model::{Command, Table};
use crate::wire::{Action, FrcError, Resource};

pub(super) fn command(r: &Req) -> Result<Command, FrcError> {
    Ok(match (r.path.target(), r.action) {
        (Resource::FaceRecognitionUser, Action::Get) => match r.path.target_id() {
            None => Command::List { table: Table::FaceUser, query: r.query.clone() },
            Some(id) => Command::Get { table: Table::FaceUser, id: id.to_owned() },
        },
        (Resource::FaceRecognitionUser, Action::Create) => {
            Command::Create { table: Table::FaceUser, id: r.id()?, body: r.body.clone() }
        }
        (Resource::FaceRecognitionUser, Action::Update) => {
            Command::Update { table: Table::FaceUser, id: r.id()?, body: r.body.clone() }
        }
        (Resource::FaceRecognitionUser, Action::Delete) => {
            Command::Delete { table: Table::FaceUser, id: r.id()? }
        }
        (Resource::EmployeeFaceRecord, Action::Create) => Command::AddFaceImage { body: r.body.clone() },
        (Resource::EmployeeFaceRecord, Action::Delete) => Command::DeleteFaceImage { body: r.body.clone() },
        _ => return Err(FrcError::MethodNotAllowed),
    })
}
