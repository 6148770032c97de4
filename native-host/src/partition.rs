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

/// Region names are joined into host names, so only the AWS shape is accepted.
pub fn validate_region(region: &str) -> Result<()> {
    let parts: Vec<&str> = region.split('-').collect();
    let ok = parts.len() >= 3
        && parts.len() <= 4
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    if !ok {
        return Err(Error::InvalidParams(format!(
            "'{region}' is not an AWS region name (like eu-west-1)."
        )));
    }
    if region.starts_with("eusc-") || region.starts_with("us-iso") {
        return Err(Error::InvalidParams(format!(
            "Region '{region}' is in a partition rolecall does not support yet."
        )));
    }
    Ok(())
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
        for ok in ["us-east-1", "us-gov-west-1", "ap-southeast-2", "cn-north-1"] {
            validate_region(ok).unwrap();
        }
        for bad in [
            "",
            "us",
            "US-EAST-1",
            "us-east-x",
            "evil.com/x-1",
            "us-east-1.",
            "a-b-c-d-1",
        ] {
            assert!(validate_region(bad).is_err(), "{bad}");
        }
    }
}
