//! `toex import police-uk`: loads data.police.uk street-level crime CSVs as each region's
//! `crimes` table.

use std::path::PathBuf;

use clap::Subcommand;

use crate::exit;

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Street-level crime CSVs as published by data.police.uk (several forces and months at once).
    PoliceUk {
        /// Data root: rows land in <OUT>/<REGION>/crimes/, where a node with data_dir <OUT>/<REGION> finds them.
        #[arg(long)]
        out: PathBuf,
        /// The CSV files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

pub fn run(command: &ImportCommand) -> anyhow::Result<u8> {
    match command {
        ImportCommand::PoliceUk { out, files } => {
            let report = toex_import::import_police_uk(out, files)?;
            println!("{report}");
            // Rows that could not be parsed are reported, not dropped: the caller should look.
            Ok(if report.total_rejected() == 0 { exit::COMPLETE } else { exit::PARTIAL })
        }
    }
}
