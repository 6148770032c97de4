//! AWS partitions: which ARN prefix, sign-in endpoint and console domain a region belongs to.

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    Aws,
    AwsUsGov,
    AwsCn,
}

impl Partition {
    /// The partition a region belongs to. Regions are validated by [`validate_region`] first.
    pub fn for_region(region: &str) -> Partition {
        if region.starts_with("us-gov-") {
            Partition::AwsUsGov
        } else if region.starts_with("cn-") {
            Partition::AwsCn
        } else {
            Partition::Aws
        }
    }

    /// The ARN partition segment.
    pub fn id(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsUsGov => "aws-us-gov",
            Partition::AwsCn => "aws-cn",
        }
    }

    /// The federation endpoint (getSigninToken and login).
    pub fn signin_url(self) -> &'static str {
        match self {
            Partition::Aws => "https://signin.aws.amazon.com/federation",
            Partition::AwsUsGov => "https://signin.amazonaws-us-gov.com/federation",
            Partition::AwsCn => "https://signin.amazonaws.cn/federation",
        }
    }

    /// The console's registrable domain: destinations must be on it or a subdomain of it
    /// (regional consoles and multi-session hosts are subdomains).
    pub fn console_domain(self) -> &'static str {
        match self {
            Partition::Aws => "console.aws.amazon.com",
            Partition::AwsUsGov => "console.amazonaws-us-gov.com",
            Partition::AwsCn => "console.amazonaws.cn",
        }
    }

    /// The console base for a region: regional hosts in the commercial partition, the
    /// partition's console host elsewhere.
    pub fn console_base(self, region: &str) -> String {
        match self {
            Partition::Aws => format!("https://{region}.{}/", self.console_domain()),
            _ => format!("https://{}/", self.console_domain()),
        }
    }
}

/// The regions of each supported partition, as the AWS SDKs' partition table shapes them
/// (`regionRegex`): `<lead>-<direction>-<number>`. Anything else is refused before it can
/// name a host: `eu-isoe-west-1` and `us-isob-east-1` (isolated partitions) or `eusc-de-east-1`
/// (the EU sovereign cloud) would otherwise be taken for commercial regions.
const REGIONS: [(Partition, &[&str]); 3] = [
    (Partition::AwsUsGov, &["us-gov"]),
    (Partition::AwsCn, &["cn"]),
    (
        Partition::Aws,
        &["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"],
    ),
];

impl Partition {
    /// The partition of a region name, if it is one of a supported partition.
    pub fn of_region(region: &str) -> Option<Partition> {
        REGIONS.iter().find_map(|(partition, leads)| {
            let rest = leads
                .iter()
                .find_map(|lead| region.strip_prefix(lead).and_then(|r| r.strip_prefix('-')))?;
            let (direction, number) = rest.split_once('-')?;
            let ok = !direction.is_empty()
                && direction.bytes().all(|b| b.is_ascii_lowercase())
                // `us-gov-…` is not a commercial `us-` region, `us-iso…` no region of ours.
                && !direction.starts_with("gov")
                && !direction.starts_with("iso")
                && !number.is_empty()
                && number.len() <= 2
                && number.bytes().all(|b| b.is_ascii_digit());
            ok.then_some(*partition)
        })
    }

    /// Where this partition's STS is asked when the gateway names no region of it.
    pub fn default_sts_region(self) -> &'static str {
        match self {
            Partition::Aws => "us-east-1",
            Partition::AwsUsGov => "us-gov-west-1",
            Partition::AwsCn => "cn-north-1",
        }
    }
}

/// What a region must be, for messages.
pub const SUPPORTED_REGIONS: &str =
    "the regions of the aws, aws-us-gov and aws-cn partitions, like eu-west-1";

/// Region names are joined into host names: only regions of the supported partitions pass.
/// For a region from a request: it is repeated only when short and printable.
pub fn validate_region(region: &str) -> Result<()> {
    if Partition::of_region(region).is_some() {
        return Ok(());
    }
    let shown = if region.len() <= 32 && region.bytes().all(|b| b.is_ascii_graphic()) {
        format!("'{region}'")
    } else {
        format!("The region given ({} characters)", region.chars().count())
    };
    Err(Error::InvalidParams(format!(
        "{shown} is not an AWS region rolecall supports ({SUPPORTED_REGIONS})."
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_follows_region() {
        assert_eq!(Partition::for_region("eu-west-1"), Partition::Aws);
        assert_eq!(Partition::for_region("us-gov-west-1"), Partition::AwsUsGov);
        assert_eq!(Partition::for_region("cn-northwest-1"), Partition::AwsCn);
        assert_eq!(Partition::AwsCn.id(), "aws-cn");
    }

    #[test]
    fn console_bases() {
        assert_eq!(
            Partition::Aws.console_base("eu-central-1"),
            "https://eu-central-1.console.aws.amazon.com/"
        );
        assert_eq!(
            Partition::AwsUsGov.console_base("us-gov-east-1"),
            "https://console.amazonaws-us-gov.com/"
        );
        assert_eq!(
            Partition::AwsCn.signin_url(),
            "https://signin.amazonaws.cn/federation"
        );
    }

    #[test]
    fn regions_are_validated() {
        for (ok, partition) in [
            ("us-east-1", Partition::Aws),
            ("us-gov-west-1", Partition::AwsUsGov),
            ("ap-southeast-2", Partition::Aws),
            ("mx-central-1", Partition::Aws),
            ("il-central-1", Partition::Aws),
            ("cn-north-1", Partition::AwsCn),
            ("cn-northwest-1", Partition::AwsCn),
        ] {
            validate_region(ok).unwrap();
            assert_eq!(Partition::of_region(ok), Some(partition), "{ok}");
            assert_eq!(Partition::for_region(ok), partition, "{ok}");
        }
        for bad in [
            "",
            "us",
            "US-EAST-1",
            "us-east-x",
            "evil.com/x-1",
            "us-east-1.",
            "a-b-c-d-1",
            // Partitions rolecall does not support: isolated regions, the EU sovereign cloud.
            "eu-isoe-west-1",
            "us-iso-east-1",
            "us-isob-east-1",
            "us-isof-south-1",
            "eusc-de-east-1",
            "xx-east-1",
            "us-gov-1",
            "cn-north-",
            "us-east-123",
        ] {
            assert!(validate_region(bad).is_err(), "{bad}");
            assert_eq!(Partition::of_region(bad), None, "{bad}");
        }
    }
}
