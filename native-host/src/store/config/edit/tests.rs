//! The edits field by field: each refusal names its field; a refused edit changes nothing.

use super::super::sample;
use super::*;

fn link(name: &str, destination: &str) -> Link {
    Link {
        name: name.into(),
        destination: destination.into(),
    }
}

/// Applies `edit` to a copy of the sample's role `id`: the refusal, or the role after.
fn apply(id: &str, edit: RoleEdit) -> Result<Role, FieldError> {
    let mut c = sample();
    let before = c.clone();
    match edit.apply(&mut c, id) {
        Ok(()) => {
            c.validate().unwrap();
            Ok(c.role(id).unwrap().clone())
        }
        Err(e) => {
            assert_eq!(c, before, "a refused edit changes nothing");
            Err(e)
        }
    }
}

#[test]
fn each_role_field_is_checked_and_a_refusal_names_it() {
    let cases: Vec<(RoleEdit, &str, &str)> = vec![
        (
            RoleEdit {
                label: Some(Some("x".repeat(129))),
                ..RoleEdit::default()
            },
            "label",
            "its label is 129 characters long; a label has at most 128",
        ),
        (
            RoleEdit {
                label: Some(Some("Prod\x1b[2K".into())),
                ..RoleEdit::default()
            },
            "label",
            "its label holds the control character U+001B",
        ),
        (
            RoleEdit {
                group: Some(Some("\u{202e}G".into())),
                ..RoleEdit::default()
            },
            "group",
            "its group holds the control character U+202E",
        ),
        (
            RoleEdit {
                color: Some(Some("mauve".into())),
                ..RoleEdit::default()
            },
            "color",
            "colour 'mauve' is not a Firefox container colour (blue,",
        ),
        (
            RoleEdit {
                color: Some(Some("red'; rm -rf".into())),
                ..RoleEdit::default()
            },
            "color",
            "the colour given (12 characters) is not",
        ),
        (
            RoleEdit {
                icon: Some(Some("skull".into())),
                ..RoleEdit::default()
            },
            "icon",
            "icon 'skull' is not a Firefox container icon",
        ),
        (
            RoleEdit {
                region: Some(Some("mars-1".into())),
                ..RoleEdit::default()
            },
            "region",
            "region 'mars-1' is not an AWS region rolecall supports",
        ),
        (
            RoleEdit {
                region: Some(Some("cn-north-1".into())),
                ..RoleEdit::default()
            },
            "region",
            "region 'cn-north-1' is in partition aws-cn, and the role is in aws",
        ),
        (
            RoleEdit {
                links: Some(vec![link("Evil", "https://evil.example/")]),
                ..RoleEdit::default()
            },
            "links",
            "link 'Evil': The destination https://evil.example/ is not a console page",
        ),
        (
            RoleEdit {
                links: Some(vec![link("S3", "/s3"), link("S3", "/ec2")]),
                ..RoleEdit::default()
            },
            "links",
            "link 'S3' has the name of an earlier link",
        ),
        (
            RoleEdit {
                links: Some(
                    (0..=MAX_LINKS)
                        .map(|i| link(&format!("l{i}"), "/s3"))
                        .collect(),
                ),
                ..RoleEdit::default()
            },
            "links",
            "it has 33 links; a role has at most 32",
        ),
    ];
    for (edit, field, reason) in cases {
        let e = apply("prod-admin", edit).unwrap_err();
        assert_eq!(e.field, field, "{e}");
        assert!(e.reason.starts_with(reason), "{field}: {e}");
    }
    let e = apply(
        "prod-admin",
        RoleEdit {
            links: Some(vec![link("S3", "/s3"), link("bell\x07", "/s3")]),
            ..RoleEdit::default()
        },
    )
    .unwrap_err();
    assert_eq!((e.field, e.index), ("links", Some(1)));
    assert!(e.reason.starts_with("link 2: its link name holds"), "{e}");
}

#[test]
fn an_edit_sets_clears_and_keeps_what_it_does_not_name() {
    let r = apply(
        "prod-admin",
        RoleEdit {
            label: Some(Some("Prod".into())),
            group: Some(Some("Acme".into())),
            icon: Some(Some("fence".into())),
            risk: Some(Some(Risk::Production)),
            region: Some(Some("eu-central-1".into())),
            links: Some(vec![link(
                "Alarms",
                "https://eu-central-1.console.aws.amazon.com/cloudwatch/home",
            )]),
            ..RoleEdit::default()
        },
    )
    .unwrap();
    assert_eq!(r.label.as_deref(), Some("Prod"));
    assert_eq!(r.color.as_deref(), Some("red"), "not named: kept");
    assert_eq!(
        (r.group.as_deref(), r.icon.as_deref(), r.risk),
        (Some("Acme"), Some("fence"), Some(Risk::Production))
    );
    assert_eq!(r.region.as_deref(), Some("eu-central-1"));
    // Null and the empty text are the default, as `role set --label ''`.
    let r = apply(
        "prod-admin",
        RoleEdit {
            label: Some(Some(String::new())),
            color: Some(None),
            region: Some(Some(String::new())),
            ..RoleEdit::default()
        },
    )
    .unwrap();
    assert_eq!((r.label, r.color, r.region), (None, None, None));
    // A role of aws-us-gov takes that partition's regions only.
    let gov = RoleEdit {
        region: Some(Some("us-gov-east-1".into())),
        ..RoleEdit::default()
    };
    assert_eq!(
        apply("gov", gov).unwrap().region.as_deref(),
        Some("us-gov-east-1")
    );
    assert!(apply("nope", RoleEdit::default()).is_err());
}

#[test]
fn a_region_edit_keeps_the_links_of_its_partitions_console() {
    // Links name any regional console of the role's partition, and the region stays in
    // the partition: the links the role has stay good.
    let mut c = sample();
    c.roles[0].links = vec![link(
        "Alarms",
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home",
    )];
    c.roles[1].links = vec![link(
        "Home",
        "https://console.amazonaws-us-gov.com/console/home",
    )];
    c.validate().unwrap();
    for (id, region) in [("prod-admin", "ap-south-1"), ("gov", "us-gov-east-1")] {
        let edit = RoleEdit {
            region: Some(Some(region.into())),
            ..RoleEdit::default()
        };
        edit.apply(&mut c, id).unwrap();
        assert_eq!(c.role(id).unwrap().region.as_deref(), Some(region));
        assert_eq!(c.role(id).unwrap().links.len(), 1);
    }
    c.validate().unwrap();
    // A link to the other partition's console is refused with the link's index.
    let e = RoleEdit {
        links: Some(vec![
            link("S3", "/s3"),
            link("Home", "https://console.amazonaws-us-gov.com/console/home"),
        ]),
        ..RoleEdit::default()
    }
    .apply(&mut c, "prod-admin")
    .unwrap_err();
    assert_eq!((e.field, e.index), ("links", Some(1)), "{e}");
}

#[test]
fn red_is_given_only_to_production_roles() {
    let red = |risk| RoleEdit {
        color: Some(Some(PRODUCTION_COLOR.into())),
        risk,
        ..RoleEdit::default()
    };
    let e = apply("gov", red(None)).unwrap_err();
    assert_eq!(e.field, "color");
    assert!(
        e.reason.starts_with("red is kept for production roles"),
        "{e}"
    );
    // Marked production in the same edit, or through its group: red is its colour.
    assert_eq!(
        apply("gov", red(Some(Some(Risk::Production))))
            .unwrap()
            .color
            .as_deref(),
        Some("red")
    );
    let mut c = sample();
    c.roles[1].group = Some("Payments".into());
    c.groups.push(super::super::Group {
        name: "Payments".into(),
        risk: Some(Risk::Production),
    });
    red(None).apply(&mut c, "gov").unwrap();
    // A red role left as it is (an older config) is not refused for another field.
    let mut c = sample();
    c.roles[1].color = Some("red".into());
    RoleEdit {
        label: Some(Some("Gov".into())),
        ..RoleEdit::default()
    }
    .apply(&mut c, "gov")
    .unwrap();
}

#[test]
fn gateway_and_settings_edits_keep_their_ranges() {
    let mut g = sample().gateways[0].clone();
    let e = GatewayEdit {
        mfa_session_hours: Some(Some(37)),
        mfa_mode: Some(MfaMode::Daily),
    }
    .apply(&mut g)
    .unwrap_err();
    assert_eq!(e.field, "mfa_session_hours");
    assert!(e.reason.contains("37 is outside 1..36"), "{e}");
    assert_eq!(
        g,
        sample().gateways[0],
        "nothing changed, not even the mode"
    );
    GatewayEdit {
        mfa_session_hours: Some(Some(36)),
        mfa_mode: Some(MfaMode::Daily),
    }
    .apply(&mut g)
    .unwrap();
    assert_eq!((g.mfa_mode(), g.mfa_session_hours()), (MfaMode::Daily, 36));
    GatewayEdit {
        mfa_session_hours: Some(None),
        ..GatewayEdit::default()
    }
    .apply(&mut g)
    .unwrap();
    assert_eq!(g.mfa_session_hours, None);

    let mut s = Settings::default();
    for bad in [0, 61] {
        let e = SettingsEdit {
            renew_before_minutes: Some(Some(bad)),
            notifications: Some(false),
            ..SettingsEdit::default()
        }
        .apply(&mut s)
        .unwrap_err();
        assert_eq!(e.field, "renew_before_minutes");
        assert_eq!(s, Settings::default());
    }
    SettingsEdit {
        renew_before_minutes: Some(Some(5)),
        auto_renew: Some(false),
        notifications: Some(false),
    }
    .apply(&mut s)
    .unwrap();
    assert_eq!(
        (s.renew_before_minutes(), s.auto_renew(), s.notifications()),
        (5, false, false)
    );
    assert!(Settings::default().notifications(), "on by default");
}

#[test]
fn the_region_choices_are_regions_of_their_partition() {
    for (partition, regions) in REGION_CHOICES {
        for r in regions {
            assert_eq!(Partition::of_region(r), Some(partition), "{r}");
        }
    }
    assert!(color_choices().all(|c| check_color(c).is_ok()));
    assert_eq!(color_choices().count(), 12);
}
