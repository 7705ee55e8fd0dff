//! Face recognition users and images (spec §2.2.15, §2.2.16, §4.7).

use base64::Engine;
use serde_json::{json, Map, Value};

use super::body::Body;
use super::config::check_mkey;
use super::{not_found, FaceImage, FaceUser, MResult, Model, ModelError, Output};

/// Largest decoded image accepted.
const MAX_IMAGE_BYTES: usize = 4 * 1024 * 1024;

impl FaceUser {
    /// A freshly created user (§2.2.15 defaults).
    pub fn new(id: &str) -> FaceUser {
        FaceUser {
            mkey: id.to_owned(),
            department: "default-department".into(),
            role: "default-role".into(),
            display_name: String::new(),
            image_content: format!("face-recognition/employees/{id}/default_image.jpg"),
            images: Vec::new(),
        }
    }
}

/// Decode a base64 picture (plain or a `data:image/...;base64,` URL) and check it is a JPEG or PNG.
fn decode_image(content: &str) -> MResult<Vec<u8>> {
    let payload = match content.strip_prefix("data:") {
        Some(rest) => rest
            .split_once(',')
            .map(|(_, d)| d)
            .ok_or_else(|| ModelError::Invalid("content: malformed data URL".into()))?,
        None => content,
    };
    let cleaned: String = payload.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .map_err(|_| ModelError::Invalid("content: not valid base64".into()))?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ModelError::Invalid("content: image too large".into()));
    }
    let jpeg = bytes.starts_with(&[0xFF, 0xD8, 0xFF]);
    let png = bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]);
    if !jpeg && !png {
        return Err(ModelError::Invalid("content: not a JPEG or PNG image".into()));
    }
    Ok(bytes)
}

fn user_and_index<'a>(b: &Body<'a>) -> MResult<(&'a str, String)> {
    let user = b.req_str("employeeUsername")?;
    let (_, idx) =
        b.get_ci(&["fileindex"]).ok_or_else(|| ModelError::Invalid("fileindex: required".into()))?;
    let idx = idx.as_str().ok_or_else(|| ModelError::Invalid("fileindex: expected a string".into()))?;
    // The image mkey is the file name without its extension.
    let mkey = match idx.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => idx,
    };
    check_mkey("fileindex", mkey)?;
    Ok((user, mkey.to_owned()))
}

impl Model {
    pub(super) fn render_face_user(u: &FaceUser) -> Map<String, Value> {
        let images: Vec<Value> = u
            .images
            .iter()
            .map(|i| json!({"image_path": i.image_path, "is_local": i.is_local, "mkey": i.mkey}))
            .collect();
        let mut m = Map::new();
        m.insert("mkey".into(), json!(u.mkey));
        m.insert("department".into(), json!(u.department));
        m.insert("role".into(), json!(u.role));
        m.insert("display_name".into(), json!(u.display_name));
        m.insert("image_content".into(), json!(u.image_content));
        m.insert("group1_summary".into(), json!({ "images": images }));
        m.insert("department_display".into(), json!(u.department));
        m.insert("role_display".into(), json!(u.role));
        m.insert("default_images".into(), json!("[]"));
        m.insert("percent".into(), json!({}));
        m
    }

    pub(super) fn create_face_user(&mut self, id: &str) -> MResult<()> {
        check_mkey("face user", id)?;
        if self.face_users.iter().any(|u| u.mkey == id) {
            return Err(ModelError::Duplicate(format!("face user {id} already exists")));
        }
        self.face_users.push(FaceUser::new(id));
        Ok(())
    }

    pub(super) fn update_face_user(&mut self, id: &str, b: &Body<'_>) -> MResult<()> {
        let display_name = b.str("display_name")?;
        let department = b.str("department")?;
        let role = b.str("role")?;
        let u =
            self.face_users.iter_mut().find(|u| u.mkey == id).ok_or_else(|| not_found("face user", id))?;
        if let Some(v) = display_name {
            u.display_name = v.to_owned();
        }
        if let Some(v) = department {
            u.department = v.to_owned();
        }
        if let Some(v) = role {
            u.role = v.to_owned();
        }
        Ok(())
    }

    pub(super) fn add_face_image(&mut self, _now: i64, body: Option<&Value>) -> MResult<Output> {
        let b = Body::new(body)?;
        let (user, mkey) = user_and_index(&b)?;
        let option = b.req_str("option")?;
        let option = match option {
            "raw" => "raw",
            "mtcnn" | "mctnn" => "mtcnn",
            other => return Err(ModelError::Invalid(format!("option: {other:?} is not raw or mtcnn"))),
        };
        let bytes = decode_image(b.req_str("content")?)?;
        let u = self
            .face_users
            .iter_mut()
            .find(|u| u.mkey == user)
            .ok_or_else(|| not_found("face user", user))?;
        if u.images.iter().any(|i| i.mkey == mkey) {
            return Err(ModelError::Duplicate(format!("image {mkey} already exists for {user}")));
        }
        u.images.push(FaceImage {
            image_path: format!("face-recognition/employees/{user}/group1/image/{mkey}.jpg"),
            mkey: mkey.clone(),
            is_local: false,
            option: Some(option.to_owned()),
            bytes: bytes.len() as u64,
        });
        let user = user.to_owned();
        let u =
            self.face_users.iter().find(|u| u.mkey == user).ok_or_else(|| not_found("face user", &user))?;
        Ok(Output::Object { mkey: user.clone(), fields: Self::render_face_user(u) })
    }

    pub(super) fn delete_face_image(&mut self, body: Option<&Value>) -> MResult<Output> {
        let b = Body::new(body)?;
        let (user, mkey) = user_and_index(&b)?;
        let u = self
            .face_users
            .iter_mut()
            .find(|u| u.mkey == user)
            .ok_or_else(|| not_found("face user", user))?;
        let i = u.images.iter().position(|i| i.mkey == mkey).ok_or_else(|| not_found("image", &mkey))?;
        u.images.remove(i);
        Ok(Output::Deleted { mkey })
    }
}
