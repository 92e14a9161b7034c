//! Runs the stages in order.
use crate::{Conversion, FileStatus, InputFile, Options, OutputFile, Report};

pub fn run(inputs: &[InputFile], options: &Options) -> Conversion {
    let mut findings = Vec::new();
    let charts = crate::load::chart_dirs(inputs);
    let files: Vec<_> = inputs.iter().map(|i| crate::load::load_file(i, &charts, &options.limits, &mut findings)).collect();
    let outputs: Vec<OutputFile> = files.into_iter().map(|f| OutputFile { path: f.path, bytes: f.bytes, status: FileStatus::Unchanged }).collect();
    let mut report = Report { findings, ..Report::default() };
    report.finish(&outputs);
    Conversion { files: outputs, report }
}
