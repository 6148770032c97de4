//! The options page's edits against a config in a temporary folder (no keyring, no network).

use super::*;
use crate::store::secrets::SecretStore;
use crate::store::state::StateFile;

fn params(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// The field and kind of a refusal.
fn refusal(e: &Error) -> (&'static str, Option<String>) {
    match e {
        Error::InvalidValue { field, .. } => (e.kind(), field.clone()),
        e => (e.kind(), None),
    }
}

#[test]
fn role_update_takes_only_its_fields_and_names_the_one_refused() {
    let ok = RoleUpdate::from_params(params(json!({
        "role": "prod", "label": "Prod", "group": null, "risk": "production",
        "links": [{"name": "S3", "destination": "/s3"}],
    })))
    .unwrap();
    assert_eq!(ok.role, "prod");
    assert_eq!(ok.edit.label, Some(Some("Prod".into())));
    assert_eq!(ok.edit.group, Some(None));
    assert_eq!(ok.edit.risk, Some(Some(Risk::Production)));
    assert_eq!(ok.edit.color, None, "not given: left as it is");
    assert_eq!(ok.edit.links.unwrap()[0].name, "S3");

    for (p, field, says) in [
        (
            json!({"role": "prod", "account_id": "999999999999"}),
            "account_id",
            "cannot change 'account_id'",
        ),
        (
            json!({"role": "prod", "gateway": "other"}),
            "gateway",
            "cannot change 'gateway'",
        ),
        (
            json!({"role": "prod", "external_id": "x"}),
            "external_id",
            "cannot change",
        ),
        (
            json!({"role": "prod", "colour": "red"}),
            "colour",
            "has no field 'colour'; it changes: label,",
        ),
        (
            json!({"role": "prod", "label": 5}),
            "label",
            "must be a string",
        ),
        (
            json!({"role": "prod", "risk": "high"}),
            "risk",
            "must be \"production\"",
        ),
        (
            json!({"role": "prod", "links": "S3=/s3"}),
            "links",
            "must be a list",
        ),
        (
            json!({"role": "prod", "links": [{"name": "S3"}]}),
            "links",
            "Link 1 must be",
        ),
        (
            json!({"role": "prod", "links": [{"name": "S3", "destination": "/s3", "run": "x"}]}),
            "links",
            "Link 1 must be",
        ),
        (
            json!({"role": "../x", "label": "x"}),
            "role",
            "the name given (4 characters) is not",
        ),
    ] {
        let e = RoleUpdate::from_params(params(p.clone())).unwrap_err();
        assert_eq!(
            refusal(&e),
            ("invalid_value", Some(field.to_owned())),
            "{p}: {e}"
        );
        assert!(e.to_string().contains(says), "{p}: {e}");
    }
    // A field name that is not plain is described, not repeated; the data names no field.
    let e = RoleUpdate::from_params(params(json!({"role": "prod", "\u{1b}]52;c;x\u{7}": 1})))
        .unwrap_err();
    assert_eq!(refusal(&e), ("invalid_value", None));
    assert!(e.to_string().contains("named with 9 characters") && !e.to_string().contains('\u{1b}'));
    for p in [json!({"role": "prod"}), json!({"label": "x"})] {
        let e = RoleUpdate::from_params(params(p)).unwrap_err();
        assert_eq!(e.kind(), "invalid_params", "{e}");
    }
}

#[test]
fn gateway_and_settings_updates_refuse_what_runs_a_command_or_moves_a_secret() {
    for field in [
        "mfa_process",
        "mfa_serial",
        "region",
        "access_key_id",
        "secret_access_key",
        "session_name",
        "name",
    ] {
        let e =
            GatewayUpdate::from_params(params(json!({"gateway": "corp", field: "x"}))).unwrap_err();
        assert_eq!(refusal(&e), ("invalid_value", Some(field.to_owned())));
        assert!(e.to_string().contains("in a terminal"), "{e}");
    }
    for field in ["browser_exe", "issuer", "timeout_seconds"] {
        let e = SettingsUpdate::from_params(params(json!({ field: "x" }))).unwrap_err();
        assert_eq!(refusal(&e), ("invalid_value", Some(field.to_owned())));
    }
    let g = GatewayUpdate::from_params(params(
        json!({"gateway": "corp", "mfa_mode": "daily", "mfa_session_hours": null}),
    ))
    .unwrap();
    assert_eq!(
        g.edit,
        GatewayEdit {
            mfa_mode: Some(MfaMode::Daily),
            mfa_session_hours: Some(None)
        }
    );
    for (p, field) in [
        (json!({"gateway": "corp", "mfa_mode": "weekly"}), "mfa_mode"),
        (
            json!({"gateway": "corp", "mfa_session_hours": -1}),
            "mfa_session_hours",
        ),
        (
            json!({"gateway": "corp", "mfa_session_hours": "12"}),
            "mfa_session_hours",
        ),
    ] {
        let e = GatewayUpdate::from_params(params(p)).unwrap_err();
        assert_eq!(refusal(&e).1.as_deref(), Some(field));
    }
    let e = SettingsUpdate::from_params(params(json!({"auto_renew": "yes"}))).unwrap_err();
    assert_eq!(refusal(&e).1.as_deref(), Some("auto_renew"));
    // A number too large for any range is refused by the range, not wrapped round.
    let s = SettingsUpdate::from_params(params(json!({"renew_before_minutes": 4294967306u64})))
        .unwrap();
    assert_eq!(s.edit.renew_before_minutes, Some(Some(u32::MAX)));
}

const CONFIG: &str = r#"
[[gateway]]
name = "corp"
region = "eu-west-1"
mfa_serial = "arn:aws:iam::999999999999:mfa/ana"

[[role]]
id = "prod"
account_id = "111111111111"
role_name = "Admin"
gateway = "corp"
label = "Production"
"#;

fn app(dir: &std::path::Path, config: &str) -> Arc<App> {
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::write(dir.join("config").join("config.toml"), config).unwrap();
    Arc::new(App::new(
        dir.join("config").join("config.toml"),
        SecretStore::new("rolecall-unit-edit"),
        StateFile::in_dir(&dir.join("data")),
    ))
}

fn role_update(p: Value) -> RoleUpdate {
    RoleUpdate::from_params(params(p)).unwrap()
}

#[tokio::test]
async fn an_edit_is_saved_a_refusal_and_a_no_change_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path(), CONFIG);
    let path = app.config_path().to_path_buf();
    let got = app
        .update_role(role_update(
            json!({"role": "prod", "label": "Prod EU", "color": "green"}),
        ))
        .await
        .unwrap();
    assert_eq!(got["changed"], true);
    assert_eq!(
        (got["role"]["label"].as_str(), got["role"]["color"].as_str()),
        (Some("Prod EU"), Some("green"))
    );
    let saved = config::load(&path).unwrap();
    assert_eq!(
        saved.role("prod").unwrap().label.as_deref(),
        Some("Prod EU")
    );
    // The same values again: no write (the file is the same one).
    let inode =
        |p: &std::path::Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
    let before = (std::fs::read(&path).unwrap(), inode(&path));
    let got = app
        .update_role(role_update(json!({"role": "prod", "label": "Prod EU"})))
        .await
        .unwrap();
    assert_eq!(got["changed"], false);
    assert_eq!((std::fs::read(&path).unwrap(), inode(&path)), before);
    // Refused: the field named, the file untouched.
    for (p, field) in [
        (json!({"role": "prod", "label": "x".repeat(129)}), "label"),
        (
            json!({"role": "prod", "links": [{"name": "Evil", "destination": "https://evil.example/"}]}),
            "links",
        ),
        (json!({"role": "prod", "region": "cn-north-1"}), "region"),
    ] {
        let e = app.update_role(role_update(p)).await.unwrap_err();
        assert_eq!(
            refusal(&e),
            ("invalid_value", Some(field.to_owned())),
            "{e}"
        );
        assert!(e.to_string().ends_with("Nothing was changed."), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), before.0);
    }
    let e = app
        .update_role(role_update(json!({"role": "nope", "label": "x"})))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "unknown_role");
    // The gateway and the settings.
    let g = GatewayUpdate::from_params(params(
        json!({"gateway": "corp", "mfa_mode": "daily", "mfa_session_hours": 8}),
    ))
    .unwrap();
    let got = app.update_gateway(g).await.unwrap();
    assert_eq!(
        got["gateway"],
        json!({"name": "corp", "mfa": true, "mfa_mode": "daily", "mfa_session_hours": 8, "roles": 1})
    );
    let g = GatewayUpdate::from_params(params(json!({"gateway": "other", "mfa_mode": "daily"})))
        .unwrap();
    assert_eq!(
        app.update_gateway(g).await.unwrap_err().kind(),
        "unknown_gateway"
    );
    let s = SettingsUpdate::from_params(params(
        json!({"notifications": false, "renew_before_minutes": 15}),
    ))
    .unwrap();
    let got = app.update_settings(s).await.unwrap();
    assert_eq!(
        got["settings"],
        json!({"renew_before_minutes": 15, "auto_renew": true, "notifications": false})
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("notifications = false") && text.contains("mfa_session_hours = 8"),
        "{text}"
    );
    // What the host says next comes from the file as saved.
    assert_eq!(
        app.config().unwrap().settings.renew_before_minutes,
        Some(15)
    );
}

#[tokio::test]
async fn a_config_that_does_not_parse_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let broken = format!("{CONFIG}\n[[role]]\nid = ");
    let app = app(dir.path(), &broken);
    let e = app
        .update_role(role_update(json!({"role": "prod", "label": "x"})))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "config_invalid");
    let s = SettingsUpdate::from_params(params(json!({"auto_renew": false}))).unwrap();
    assert_eq!(
        app.update_settings(s).await.unwrap_err().kind(),
        "config_invalid"
    );
    assert_eq!(std::fs::read_to_string(app.config_path()).unwrap(), broken);
}

#[tokio::test]
async fn an_edit_waits_for_the_update_lock_and_keeps_the_other_change() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path(), CONFIG);
    let path = app.config_path().to_path_buf();
    // Another command holds the lock and changes the group meanwhile.
    let lock = config::UpdateLock::acquire(&path).unwrap();
    let other = {
        let path = path.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            let mut c = config::load(&path).unwrap();
            c.roles[0].group = Some("Acme".into());
            config::save(&path, &c).unwrap();
            drop(lock);
        })
    };
    let got = app
        .update_role(role_update(json!({"role": "prod", "label": "Prod EU"})))
        .await
        .unwrap();
    other.join().unwrap();
    assert_eq!(
        got["role"]["group"], "Acme",
        "the edit was made on the other's change"
    );
    let saved = config::load(&path).unwrap();
    let r = saved.role("prod").unwrap();
    assert_eq!(
        (r.label.as_deref(), r.group.as_deref()),
        (Some("Prod EU"), Some("Acme"))
    );
}

#[tokio::test]
async fn catalogue_roles_are_read_only_and_config_read_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = crate::store::catalog::GOOD.replace("gateway = \"team\"", "gateway = \"corp\"");
    let sha = crate::store::catalog::sha256_hex(catalogue.as_bytes());
    let config_dir = dir.path().join("config");
    std::fs::create_dir_all(config_dir.join("catalogs")).unwrap();
    std::fs::write(
        crate::store::catalog::cache_path(&config_dir, "platform", &sha),
        &catalogue,
    )
    .unwrap();
    let with_catalogue = format!("{CONFIG}\n[[catalog]]\nname = \"platform\"\nfile = \"/srv/platform.toml\"\nsha256 = \"{sha}\"\n");
    let app = app(dir.path(), &with_catalogue);
    let e = app
        .update_role(role_update(json!({"role": "shared-prod", "label": "Mine"})))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "read_only_role");
    assert_eq!(e.data()["field"], "role");
    assert_eq!(e.data()["catalog"], "platform");
    assert_eq!(
        std::fs::read_to_string(app.config_path()).unwrap(),
        with_catalogue
    );

    let view = app
        .config_view(ConfigRead {
            roles: vec!["prod".into(), "shared-prod".into(), "gone".into()],
        })
        .unwrap();
    let roles = view["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 2);
    assert_eq!(
        (&roles[0]["id"], &roles[0]["editable"], &roles[0]["label"]),
        (&json!("prod"), &json!(true), &json!("Production"))
    );
    assert_eq!(roles[0]["defaults"]["region"], "eu-west-1");
    assert_eq!(
        (&roles[1]["editable"], &roles[1]["catalog"]),
        (&json!(false), &json!("platform"))
    );
    assert_eq!(view["unknown"], json!(["gone"]));
    assert_eq!(
        view["gateways"],
        json!([{"name": "corp", "mfa": true, "mfa_mode": "per_role", "mfa_session_hours": 12, "roles": 1}])
    );
    assert_eq!(
        view["settings"],
        json!({"renew_before_minutes": 10, "auto_renew": true, "notifications": true})
    );
    assert_eq!(
        view["choices"]["regions"]["aws-cn"],
        json!(["cn-north-1", "cn-northwest-1"])
    );
    // What a view never holds.
    let text = view.to_string();
    for secret in [
        "mfa_serial",
        "arn:aws:iam::999999999999:mfa/ana",
        "sha256",
        "/srv/platform.toml",
        "browser_exe",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let too_many = ConfigRead {
        roles: (0..=MAX_READ_ROLES).map(|i| format!("r{i}")).collect(),
    };
    assert_eq!(
        app.config_view(too_many).unwrap_err().kind(),
        "invalid_params"
    );
}

#[tokio::test]
async fn a_role_whose_text_breaks_its_rules_is_sent_without_it_and_can_be_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = CONFIG.replace("label = \"Production\"", "label = \"Prod\\u001b[2K\"");
    let app = app(dir.path(), &hostile);
    let view = app
        .config_view(ConfigRead {
            roles: vec!["prod".into()],
        })
        .unwrap();
    let role = &view["roles"][0];
    assert_eq!(role["label"], Value::Null);
    assert!(role["problem"]
        .as_str()
        .unwrap()
        .starts_with("its label holds the control character U+001B"));
    assert!(!view.to_string().contains("\\u001b"));
    // Another field alone is not saved (rolecall writes no such label)…
    let e = app
        .update_role(role_update(json!({"role": "prod", "color": "blue"})))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "config_invalid");
    // …a new label is.
    app.update_role(role_update(json!({"role": "prod", "label": "Production"})))
        .await
        .unwrap();
    assert!(config::load(app.config_path())
        .unwrap()
        .check_text()
        .is_ok());
}
