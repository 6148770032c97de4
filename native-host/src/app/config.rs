//! The config and its catalogues as the app reads them (the own config re-read only when
//! its file changes, catalogue copies parsed once), and the role a request names.

use super::{requested_name, App};
use crate::error::{Error, Result};
use crate::store::catalog;
use crate::store::config::{self, Config, Role};
use std::path::PathBuf;
use std::sync::Arc;

impl App {
    /// The user's own config, as it is on disk, owned: what commands change and save
    /// (holding the update lock).
    pub fn load_config(&self) -> Result<Config> {
        config::load(self.config.path())
    }

    /// The config as the file is now, shared (parsed again only when it changed).
    pub fn config(&self) -> Result<Arc<Config>> {
        self.config.get()
    }

    /// The config with the roles of every subscribed catalogue added after the local ones
    /// (their accepted copies in the config folder; never the network). A catalogue that
    /// cannot be used is left out and reported.
    pub fn load_effective(&self) -> Result<catalog::Effective> {
        Ok(self.effective_config()?.as_ref().clone())
    }

    /// [`App::load_effective`], shared: made again only when the own config changed (the
    /// catalogue copies it names are immutable, named by their digests).
    pub fn effective_config(&self) -> Result<Arc<catalog::Effective>> {
        let own = self.config()?;
        if let Some((made_from, effective)) = self
            .effective
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            if Arc::ptr_eq(made_from, &own) {
                return Ok(effective.clone());
            }
        }
        let effective = Arc::new(self.effective(&own));
        *self.effective.lock().unwrap_or_else(|p| p.into_inner()) = Some((own, effective.clone()));
        Ok(effective)
    }

    /// Each accepted copy is read and parsed once per process: it is named by its digest,
    /// so a new copy (another digest) is read afresh, and a warm host lists thousands of
    /// catalogue roles without parsing them again.
    fn effective(&self, config: &Config) -> catalog::Effective {
        let dir = self.config_dir();
        catalog::effective(config, |c| {
            let key = (c.name.clone(), c.sha256.to_ascii_lowercase());
            if let Some(roles) = self
                .catalogs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
            {
                return Ok(roles.as_ref().clone());
            }
            let roles = catalog::read_accepted(&dir, c)?;
            let mut cache = self.catalogs.lock().unwrap_or_else(|p| p.into_inner());
            cache.retain(|(name, _), _| *name != c.name);
            cache.insert(key, Arc::new(roles.clone()));
            Ok(roles)
        })
    }

    /// The folder of the config file (catalogue copies live beside it).
    pub fn config_dir(&self) -> PathBuf {
        self.config_path()
            .parent()
            .map_or_else(|| PathBuf::from("."), std::path::Path::to_path_buf)
    }

    /// The config and the role a request names, or why there is none.
    /// A role of the user's own config is found without reading any catalogue (it wins
    /// over theirs anyway); only another id costs reading them.
    pub(super) fn requested_role(&self, id: &str) -> Result<(Arc<Config>, Role)> {
        requested_name("Role", id)?;
        let own = self.config()?;
        if let Some(role) = own.role(id) {
            // Left out of every listing (hand-edited text that breaks its rules): not opened.
            config::check_role_text(role).map_err(|why| Error::ConfigInvalid {
                path: self.config_path().display().to_string(),
                reason: format!("role '{id}' is left out: {why}"),
            })?;
            let role = role.clone();
            return Ok((own, role));
        }
        if own.catalogs.is_empty() {
            return Err(Error::UnknownRole(id.to_owned()));
        }
        let config = Arc::new(self.effective_config()?.config.clone());
        let role = config
            .role(id)
            .ok_or_else(|| Error::UnknownRole(id.to_owned()))?
            .clone();
        Ok((config, role))
    }
}
