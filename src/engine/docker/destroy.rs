//! Removing instances: every container, volume, network and stranded cable, found by label and
//! by name, going on after errors and reporting them all.

use std::collections::HashMap;

use bollard::query_parameters::{ListVolumesOptionsBuilder, RemoveVolumeOptions};
use futures::StreamExt;

use super::{Cleanup, containers};
use crate::engine::DestroyReport;
use crate::engine::labels::INSTANCE;
use crate::plan::InstanceId;

/// Removes one instance.
pub async fn instance(engine: &Cleanup, instance: &InstanceId) -> DestroyReport {
    remove(engine, Some(instance)).await
}

/// Removes every instance, and cables stranded by any of them.
pub async fn all(engine: &Cleanup) -> DestroyReport {
    remove(engine, None).await
}

async fn remove(engine: &Cleanup, instance: Option<&InstanceId>) -> DestroyReport {
    let mut report = DestroyReport::default();
    // Off the underlay first (VXLAN mode), so that its network can go after them.
    report.errors.extend(super::underlay::disconnect_all(&engine.docker, instance).await);
    match containers::list(&engine.docker, instance).await {
        Ok(found) => {
            let mut instances: Vec<InstanceId> = found
                .iter()
                .filter_map(|c| containers::label(c, INSTANCE))
                .filter_map(|i| InstanceId::parse(i).ok())
                .collect();
            instances.sort();
            instances.dedup();
            report.instances = instances;
            // Removing a container also ends its network namespace, and with it the
            // node's ends of its cables and the fabric's bridges.
            let targets: Vec<(String, String)> =
                found.iter().map(|c| (containers::name(c), c.id.clone().unwrap_or_default())).collect();
            let results: Vec<(String, Result<(), bollard::errors::Error>)> = futures::stream::iter(targets)
                .map(|(name, id)| {
                    let docker = engine.docker.clone();
                    async move {
                        let result = containers::remove(&docker, &id).await;
                        (name, result)
                    }
                })
                .buffer_unordered(8)
                .collect()
                .await;
            for (name, result) in results {
                match result {
                    Ok(()) => report.containers += 1,
                    Err(e) => report.errors.push(format!("remove container {name}: {e}")),
                }
            }
        }
        Err(e) => report.errors.push(e.to_string()),
    }
    remove_volumes(engine, instance, &mut report).await;
    // The underlay (VXLAN mode) once no container is on it any more.
    if let Err(errors) = super::underlay::remove(&engine.docker, instance).await {
        report.errors.extend(errors);
    }
    // Disks last: their volumes and containers must be gone first. Every instance that
    // has a disk is removed by `destroy --all`, also one whose containers a crash never
    // made.
    let with_disks = match instance {
        Some(i) => vec![i.as_str().to_string()],
        None => engine.disks.instances(),
    };
    for name in with_disks.into_iter().filter(|name| engine.disks.exists(name)) {
        let errors = engine.disks.remove(&name).await;
        if errors.is_empty() {
            if let Ok(id) = InstanceId::parse(&name)
                && !report.instances.contains(&id)
            {
                report.instances.push(id);
            }
        } else {
            report.errors.extend(errors.into_iter().map(|e| e.to_string()));
        }
    }
    match engine.links.stranded(instance.map(InstanceId::as_str)).await {
        Ok(stranded) => {
            for (index, name) in stranded {
                match engine.links.delete(index, &name).await {
                    Ok(()) => report.links += 1,
                    Err(e) => report.errors.push(e.to_string()),
                }
            }
        }
        Err(e) => report.errors.push(e.to_string()),
    }
    report
}

/// The named volumes that put a node's disk into its container, found by label.
async fn remove_volumes(engine: &Cleanup, instance: Option<&InstanceId>, report: &mut DestroyReport) {
    let filter = match instance {
        Some(i) => format!("{INSTANCE}={i}"),
        None => INSTANCE.to_string(),
    };
    let options = ListVolumesOptionsBuilder::default()
        .filters(&HashMap::from([("label".to_string(), vec![filter])]))
        .build();
    match engine.docker.list_volumes(Some(options)).await {
        Ok(list) => {
            for volume in list.volumes.unwrap_or_default() {
                match engine.docker.remove_volume(&volume.name, None::<RemoveVolumeOptions>).await {
                    Ok(()) => report.volumes += 1,
                    Err(e) => report.errors.push(format!("remove volume {}: {e}", volume.name)),
                }
            }
        }
        Err(e) => report.errors.push(format!("list asbuilt's volumes: {e}")),
    }
}
