//! The Python binding of dpg-audit: it hands data over and back, nothing else. Every rule,
//! reader and report lives in the `dpg_audit` crate; this module converts arguments, moves Arrow
//! data through the C data and stream interfaces (PyCapsules, no copy) and maps errors to
//! Python exceptions carrying the CLI's messages.
//!
//! The `unsafe` here is the Arrow C interfaces' hand-over only: taking a stream or an array out
//! of a capsule the producer made for us, as the PyCapsule protocol prescribes.

use std::collections::HashMap;
use std::ffi::CStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchIterator, StructArray};
use arrow_schema::{ArrowError, DataType, Field as ArrowField, Schema, SchemaRef};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule, PyDict, PyList, PyTuple};

use dpg_audit::config::{Config, DpgType};
use dpg_audit::engine::{Auditor as Engine, Origin, Partial, Settings};
use dpg_audit::error::{Error, ErrorKind};
use dpg_audit::manifest::Field;
use dpg_audit::report::{self, Format, Report as RustReport};

create_exception!(_native, DpgAuditError, PyException, "Any error of dpg-audit (the CLI's exit 2).");
create_exception!(_native, UsageError, DpgAuditError, "An argument that does not make sense.");
create_exception!(_native, ConfigError, DpgAuditError, "A configuration or profile that is wrong.");
create_exception!(_native, InputError, DpgAuditError, "Input that cannot be read as what it should hold.");
create_exception!(_native, DpgIoError, DpgAuditError, "The operating system refused (a file, a thread).");
create_exception!(_native, InternalError, DpgAuditError, "A bug in dpg-audit.");

const STREAM: &CStr = c"arrow_array_stream";
const SCHEMA: &CStr = c"arrow_schema";
const ARRAY: &CStr = c"arrow_array";

/// The exception of an error, with the message the CLI prints after `dpg-audit: error: `.
fn py_err(e: Error) -> PyErr {
    let message = e.to_string();
    match e.kind() {
        ErrorKind::Usage => UsageError::new_err(message),
        ErrorKind::Config => ConfigError::new_err(message),
        ErrorKind::Input => InputError::new_err(message),
        ErrorKind::Io | ErrorKind::Http => DpgIoError::new_err(message),
        ErrorKind::Internal => InternalError::new_err(message),
    }
}

fn usage(message: impl Into<String>) -> PyErr {
    UsageError::new_err(message.into())
}

/// Takes the Arrow stream out of an object of the PyCapsule interface (`__arrow_c_stream__`).
fn import_stream(data: &Bound<'_, PyAny>) -> PyResult<RecordBatchStreamReader> {
    let capsule = data.call_method0("__arrow_c_stream__")?;
    let capsule =
        capsule.cast::<PyCapsule>().map_err(|_| usage("__arrow_c_stream__ did not return a PyCapsule"))?;
    let pointer = capsule.pointer_checked(Some(STREAM))?;
    // SAFETY: the capsule is named `arrow_array_stream`, so by the PyCapsule interface it points
    // to a valid FFI_ArrowArrayStream that we may move out of (its release is then set to NULL,
    // and the capsule's destructor leaves it alone).
    let reader =
        unsafe { RecordBatchStreamReader::from_raw(pointer.as_ptr().cast::<FFI_ArrowArrayStream>()) };
    reader.map_err(|e| usage(format!("cannot import the Arrow stream: {e}")))
}

/// Takes an array out of an object of the PyCapsule interface (`__arrow_c_array__`).
fn import_array(data: &Bound<'_, PyAny>) -> PyResult<ArrayRef> {
    let pair = data.call_method0("__arrow_c_array__")?;
    let pair = pair.cast::<PyTuple>().map_err(|_| usage("__arrow_c_array__ did not return a tuple"))?;
    if pair.len() != 2 {
        return Err(usage("__arrow_c_array__ did not return (schema, array)"));
    }
    let (schema, array) = (pair.get_item(0)?, pair.get_item(1)?);
    let schema = schema.cast::<PyCapsule>().map_err(|_| usage("the Arrow schema is not a PyCapsule"))?;
    let array = array.cast::<PyCapsule>().map_err(|_| usage("the Arrow array is not a PyCapsule"))?;
    let schema_ptr = schema.pointer_checked(Some(SCHEMA))?;
    let array_ptr = array.pointer_checked(Some(ARRAY))?;
    // SAFETY: capsules named `arrow_schema` / `arrow_array` point to valid C data interface
    // structs. The schema is only borrowed; the array is moved out (release set to NULL).
    let data = unsafe {
        let schema = &*schema_ptr.as_ptr().cast::<FFI_ArrowSchema>();
        let array = FFI_ArrowArray::from_raw(array_ptr.as_ptr().cast::<FFI_ArrowArray>());
        arrow_array::ffi::from_ffi(array, schema)
    };
    let data = data.map_err(|e| usage(format!("cannot import the Arrow array: {e}")))?;
    Ok(arrow_array::make_array(data))
}

/// Record batches exported to Python through `__arrow_c_stream__` (pyarrow, Polars, DuckDB
/// read it without a copy).
#[pyclass(module = "dpg_audit._native", name = "ArrowStream")]
#[derive(Debug)]
struct ArrowStream {
    schema: SchemaRef,
    batches: Option<Vec<RecordBatch>>,
}

#[pymethods]
impl ArrowStream {
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &mut self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // A requested schema is a hint the producer may ignore (the interface says so).
        let _ = requested_schema;
        let batches = self.batches.take().ok_or_else(|| usage("this Arrow stream was already consumed"))?;
        let reader = RecordBatchIterator::new(batches.into_iter().map(Ok), self.schema.clone());
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        // The consumer moves the stream out; dropping what is left releases only an unconsumed one.
        PyCapsule::new_with_value(py, stream, STREAM)
    }
}

fn parse_type(t: Option<&str>) -> PyResult<Option<DpgType>> {
    t.map(|t| {
        serde_json::from_value(serde_json::Value::String(t.to_string()))
            .map_err(|_| usage(format!("unknown type `{t}`: expected data, content, software or ai-system")))
    })
    .transpose()
}

fn parse_columns(columns: Option<HashMap<String, String>>) -> PyResult<Vec<(Field, String)>> {
    let mut out = Vec::new();
    for (field, column) in columns.unwrap_or_default() {
        let f = Field::from_name(&field).ok_or_else(|| {
            usage(format!(
                "unknown field `{field}` in columns; expected one of: {}",
                Field::names().join(", ")
            ))
        })?;
        out.push((f, column));
    }
    out.sort();
    Ok(out)
}

/// A config given as a path (TOML file), TOML text (`toml=True`), or a JSON text of a dict.
fn load_config(path: Option<PathBuf>, json: Option<String>) -> PyResult<Config> {
    match (path, json) {
        (Some(p), _) => Config::load(&p).map_err(py_err),
        (None, Some(j)) => Config::from_json(&j, Path::new("<config dict>")).map_err(py_err),
        (None, None) => Ok(Config::default()),
    }
}

fn report_format(name: &str) -> PyResult<Format> {
    const FORMATS: [Format; 9] = [
        Format::Terminal,
        Format::Json,
        Format::Markdown,
        Format::Html,
        Format::Sarif,
        Format::Junit,
        Format::Github,
        Format::Ndjson,
        Format::DpgSubmission,
    ];
    let name = if name == "md" { "markdown" } else { name };
    FORMATS.into_iter().find(|f| f.name() == name).ok_or_else(|| {
        usage(format!(
            "unknown format `{name}`: expected one of {}",
            FORMATS.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
        ))
    })
}

/// A finished report (the Rust side of `dpg_audit.Report`).
#[pyclass(module = "dpg_audit._native", name = "NativeReport", frozen)]
#[derive(Debug)]
struct NativeReport {
    report: RustReport,
}

#[pymethods]
impl NativeReport {
    #[getter]
    fn verdict(&self) -> &'static str {
        self.report.verdict.as_str()
    }

    /// The report in `format` (any CLI `--format`), as the CLI writes it, never in colour.
    fn render(&self, py: Python<'_>, format: &str) -> PyResult<String> {
        let format = report_format(format)?;
        let mut out = Vec::new();
        py.detach(|| report::render(format, &self.report, &mut out, false))
            .map_err(|e| usage(format!("cannot render the report: {e}")))?;
        String::from_utf8(out).map_err(|e| InternalError::new_err(e.to_string()))
    }

    /// The report's findings, with the columns of the CLI's `--findings` file.
    fn findings(&self) -> PyResult<ArrowStream> {
        let batch = report::findings::record_batch(&self.report.findings).map_err(py_err)?;
        Ok(ArrowStream { schema: batch.schema(), batches: Some(vec![batch]) })
    }
}

/// An auditor: a collection's config and settings (the Rust side of `dpg_audit.Auditor`).
#[pyclass(module = "dpg_audit._native", name = "NativeAuditor", frozen)]
#[derive(Debug)]
struct NativeAuditor {
    engine: Arc<Engine>,
    /// What made it, for audits that build an auditor of their own (`audit_batches`).
    config: Config,
    settings: Settings,
    manifests: Vec<String>,
}

/// Batches of the data: a stream (`__arrow_c_stream__`), one batch (`__arrow_c_array__`) or a
/// list of either, in order.
fn collect_sources<'py>(data: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if data.hasattr("__arrow_c_stream__")? || data.hasattr("__arrow_c_array__")? {
        return Ok(vec![data.clone()]);
    }
    if let Ok(list) = data.cast::<PyList>() {
        return Ok(list.iter().collect());
    }
    if let Ok(tuple) = data.cast::<PyTuple>() {
        return Ok(tuple.iter().collect());
    }
    Err(usage(format!(
        "cannot audit a {}: expected an object with __arrow_c_stream__ or __arrow_c_array__ (pyarrow, \
         Polars, DuckDB, ...), or a list of them",
        data.get_type().name()?
    )))
}

/// The batches of one source, imported (streams stay lazy).
enum Batches {
    Stream(RecordBatchStreamReader),
    One(Option<RecordBatch>),
}

impl Iterator for Batches {
    type Item = dpg_audit::Result<RecordBatch>;
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Batches::Stream(r) => r.next().map(|b| b.map_err(arrow_input_error)),
            Batches::One(b) => b.take().map(Ok),
        }
    }
}

fn arrow_input_error(e: ArrowError) -> Error {
    Error::input(Path::new("<arrow data>"), format!("cannot read the Arrow data: {e}"))
}

fn import_batches(source: &Bound<'_, PyAny>) -> PyResult<Batches> {
    if source.hasattr("__arrow_c_stream__")? {
        return Ok(Batches::Stream(import_stream(source)?));
    }
    if source.hasattr("__arrow_c_array__")? {
        let array = import_array(source)?;
        let Some(s) = array.as_any().downcast_ref::<StructArray>() else {
            return Err(usage(format!(
                "a batch must be a struct array (a record batch), not {}",
                array.data_type()
            )));
        };
        return Ok(Batches::One(Some(RecordBatch::from(s.clone()))));
    }
    Err(usage(format!(
        "cannot audit a {}: expected an object with __arrow_c_stream__ or __arrow_c_array__",
        source.get_type().name()?
    )))
}

impl NativeAuditor {
    /// Observes `data` into a partial; `origins[i]` = (manifest index, first row) of source `i`,
    /// else every source continues manifest 0's row numbering.
    fn observe(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        origins: Option<Vec<(usize, u64)>>,
        threads: usize,
    ) -> PyResult<Partial> {
        let sources = collect_sources(data)?;
        if let Some(o) = &origins
            && o.len() != sources.len()
        {
            return Err(usage(format!("{} origins for {} batches", o.len(), sources.len())));
        }
        let mut total = self.engine.partial();
        let mut next_row = 1u64;
        for (i, source) in sources.iter().enumerate() {
            let mut batches = import_batches(source)?;
            let start = match &origins {
                Some(o) => Origin { manifest: o[i].0, first_row: o[i].1 },
                None => Origin { manifest: 0, first_row: next_row },
            };
            let engine = &self.engine;
            // Rows are counted on the way, for the next source's numbering.
            let mut rows = 0u64;
            let partial = py.detach(|| {
                let mut counted = (&mut batches).inspect(|b| {
                    if let Ok(b) = b {
                        rows += b.num_rows() as u64;
                    }
                });
                dpg_audit::run::observe_batches(
                    engine,
                    &mut counted,
                    start,
                    threads,
                    dpg_audit::audit::DEFAULT_BATCH_SIZE,
                )
            });
            total.merge(partial.map_err(py_err)?).map_err(py_err)?;
            next_row += rows;
        }
        Ok(total)
    }
}

#[pymethods]
impl NativeAuditor {
    #[new]
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (config_path=None, config_json=None, r#type=None, profile=None, columns=None, manifests=None, max_findings=1000))]
    fn new(
        py: Python<'_>,
        config_path: Option<PathBuf>,
        config_json: Option<String>,
        r#type: Option<&str>,
        profile: Option<String>,
        columns: Option<HashMap<String, String>>,
        manifests: Option<Vec<String>>,
        max_findings: usize,
    ) -> PyResult<Self> {
        let config = load_config(config_path, config_json)?;
        let settings = Settings {
            dpg_type: parse_type(r#type)?,
            profile,
            columns: parse_columns(columns)?,
            max_findings,
        };
        let manifests = manifests.unwrap_or_else(|| vec!["<arrow data>".to_string()]);
        if manifests.is_empty() {
            return Err(usage("an auditor needs at least one manifest name"));
        }
        let engine = py.detach(|| Engine::new(&config, &settings, manifests.clone())).map_err(py_err)?;
        Ok(NativeAuditor { engine: Arc::new(engine), config, settings, manifests })
    }

    /// An empty partial to observe batches into, one at a time.
    fn new_partial(&self) -> PartialBuilder {
        PartialBuilder { engine: self.engine.clone(), partial: Mutex::new(Some(self.engine.partial())) }
    }

    /// Observes `data` and returns the serialized partial.
    #[pyo3(signature = (data, origins=None, threads=1))]
    fn partial<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        origins: Option<Vec<(usize, u64)>>,
        threads: usize,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let partial = self.observe(py, data, origins, threads)?;
        let bytes = py.detach(|| partial.to_bytes()).map_err(py_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Merges serialized partials (any iterable of bytes, taken one at a time: the driver holds
    /// one partial's bytes and the merged result, whose ids spill to disk past a budget) and
    /// finishes the report.
    fn merge(&self, py: Python<'_>, partials: &Bound<'_, PyAny>) -> PyResult<NativeReport> {
        let engine = &self.engine;
        let mut total = engine.partial();
        for item in partials.try_iter()? {
            let item = item?;
            let bytes = item.cast::<PyBytes>().map_err(|_| usage("a partial must be bytes"))?;
            let bytes = bytes.as_bytes();
            let total_ref = &mut total;
            py.detach(|| total_ref.merge(Partial::from_bytes(bytes)?)).map_err(py_err)?;
        }
        let report = py.detach(|| engine.finish(total)).map_err(py_err)?;
        Ok(NativeReport { report })
    }

    /// Observes `data` on `threads` threads and finishes the report. `rereadable`: the data
    /// exports the same rows each time it is asked (a table in memory), so ids in order are
    /// checked as the CLI checks a file's, without keeping them.
    #[pyo3(signature = (data, threads=0, rereadable=false))]
    fn audit(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        threads: usize,
        rereadable: bool,
    ) -> PyResult<NativeReport> {
        if rereadable {
            let sources: Vec<Py<PyAny>> = collect_sources(data)?.into_iter().map(Bound::unbind).collect();
            let (config, settings, manifests) = (&self.config, &self.settings, self.manifests.clone());
            let report = py.detach(|| {
                let mut source =
                    || -> dpg_audit::Result<Box<dyn Iterator<Item = dpg_audit::Result<RecordBatch>>>> {
                        let imported: PyResult<Vec<Batches>> =
                            Python::attach(|py| sources.iter().map(|s| import_batches(s.bind(py))).collect());
                        let imported = imported.map_err(|e| Error::usage(e.to_string()))?;
                        Ok(Box::new(imported.into_iter().flatten()))
                    };
                dpg_audit::run::audit_batches(
                    config,
                    settings,
                    manifests,
                    &mut source,
                    threads,
                    dpg_audit::audit::DEFAULT_BATCH_SIZE,
                )
            });
            return Ok(NativeReport { report: report.map_err(py_err)? });
        }
        let partial = self.observe(py, data, None, threads)?;
        let engine = &self.engine;
        let report = py.detach(|| engine.finish(partial)).map_err(py_err)?;
        Ok(NativeReport { report })
    }
}

/// A partial being built batch by batch (a Spark task's): memory stays that of the partial,
/// whatever the number of batches.
#[pyclass(module = "dpg_audit._native", name = "PartialBuilder", frozen)]
#[derive(Debug)]
struct PartialBuilder {
    engine: Arc<Engine>,
    // A Python object may be shared between threads; the partial is used by one at a time.
    partial: Mutex<Option<Partial>>,
}

#[pymethods]
impl PartialBuilder {
    /// Observes one batch (or stream) whose first row is row `first_row` of manifest `manifest`.
    fn observe(
        &self,
        py: Python<'_>,
        batch: &Bound<'_, PyAny>,
        manifest: usize,
        first_row: u64,
    ) -> PyResult<()> {
        let mut guard =
            self.partial.lock().map_err(|_| InternalError::new_err("a partial's lock was poisoned"))?;
        let partial = guard.as_mut().ok_or_else(|| usage("this partial was already serialized"))?;
        let mut batches = import_batches(batch)?;
        let engine = &self.engine;
        py.detach(|| {
            let mut row = first_row;
            for batch in &mut batches {
                let batch = batch?;
                let size = dpg_audit::audit::DEFAULT_BATCH_SIZE;
                for offset in (0..batch.num_rows()).step_by(size) {
                    let slice = batch.slice(offset, size.min(batch.num_rows() - offset));
                    engine.observe(partial, &slice, Origin { manifest, first_row: row })?;
                    row += slice.num_rows() as u64;
                }
            }
            Ok(())
        })
        .map_err(py_err)
    }

    /// The serialized partial; the builder is spent.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let taken =
            self.partial.lock().map_err(|_| InternalError::new_err("a partial's lock was poisoned"))?.take();
        let partial = taken.ok_or_else(|| usage("this partial was already serialized"))?;
        let bytes = py.detach(|| partial.to_bytes()).map_err(py_err)?;
        Ok(PyBytes::new(py, &bytes))
    }
}

/// Audits manifest files (or catalog metadata of one dataset) as `dpg-audit audit PATHS` does.
#[pyfunction]
#[pyo3(signature = (paths, config_path=None, config_json=None, r#type=None, profile=None, columns=None, max_findings=1000, threads=0))]
#[allow(clippy::too_many_arguments)]
fn audit_paths(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    config_path: Option<PathBuf>,
    config_json: Option<String>,
    r#type: Option<&str>,
    profile: Option<String>,
    columns: Option<HashMap<String, String>>,
    max_findings: usize,
    threads: usize,
) -> PyResult<NativeReport> {
    if paths.is_empty() {
        return Err(usage("no paths to audit"));
    }
    let opts = dpg_audit::AuditOptions {
        paths,
        config: config_path,
        columns: parse_columns(columns)?,
        dpg_type: parse_type(r#type)?,
        profile,
        threads,
        max_findings,
        ..Default::default()
    };
    let report = py.detach(|| -> dpg_audit::Result<RustReport> {
        use dpg_audit::portal::batch::{Outcome, run};
        // A config given as a dict stands in for the discovered file.
        let outcome = if let Some(json) = &config_json {
            let config = Config::from_json(json, Path::new("<config dict>"))?;
            let manifests = dpg_audit::manifest::expand_inputs(&opts.paths)?;
            return dpg_audit::audit::run_collection(&opts, &config, &manifests);
        } else {
            run(&opts, dpg_audit::portal::InputFormat::Auto, &mut |n| {
                Err(Error::usage(format!(
                    "the paths hold {n} datasets of catalog metadata: audit them with the CLI, which \
                     writes one report per dataset"
                )))
            })?
        };
        match outcome {
            None => dpg_audit::run(&opts),
            Some(Outcome::Single(report)) => Ok(*report),
            Some(Outcome::Batch(_)) => Err(Error::internal("a batch outcome without outputs")),
        }
    });
    Ok(NativeReport { report: report.map_err(py_err)? })
}

/// One normalized statement as the CLI's `normalize --format json` line.
fn normalized_dict<'py>(py: Python<'py>, input: &str) -> PyResult<Bound<'py, PyDict>> {
    let n = dpg_audit::license::normalize(input);
    let d = PyDict::new(py);
    d.set_item("input", input)?;
    d.set_item("expression", n.expression.as_deref())?;
    d.set_item("status", status_name(n.status))?;
    d.set_item("candidates", &n.candidates)?;
    d.set_item("via", n.via)?;
    Ok(d)
}

fn status_name(s: dpg_audit::license::Status) -> &'static str {
    use dpg_audit::license::Status;
    match s {
        Status::Exact => "exact",
        Status::Normalized => "normalized",
        Status::Ambiguous => "ambiguous",
        Status::Unknown => "unknown",
        Status::Missing => "missing",
    }
}

/// Normalizes license statements: a list of dicts, one per string.
#[pyfunction]
fn normalize_strings<'py>(py: Python<'py>, strings: Vec<String>) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for s in &strings {
        out.append(normalized_dict(py, s)?)?;
    }
    Ok(out)
}

/// The struct type of a normalized column.
fn normalized_schema() -> SchemaRef {
    let item = Arc::new(ArrowField::new("item", DataType::Utf8, true));
    Arc::new(Schema::new(vec![
        ArrowField::new("input", DataType::Utf8, true),
        ArrowField::new("expression", DataType::Utf8, true),
        ArrowField::new("status", DataType::Utf8, true),
        ArrowField::new("candidates", DataType::List(item), true),
        ArrowField::new("via", DataType::Utf8, true),
    ]))
}

/// Normalizes one chunk of strings; each distinct value once.
fn normalize_chunk(
    array: &ArrayRef,
    cache: &mut HashMap<String, dpg_audit::license::Normalized>,
) -> Result<RecordBatch, String> {
    let text = dpg_audit::manifest::text::TextColumn::new(array.as_ref())
        .ok_or_else(|| format!("normalize takes strings, not {}", array.data_type()))?;
    let n = array.len();
    let (mut input, mut expression, mut status, mut via) =
        (StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let mut candidates = ListBuilder::new(StringBuilder::new());
    for i in 0..n {
        let Some(s) = text.get(i) else {
            // A null is no statement: null in every column but the status, like an empty one.
            input.append_null();
            let m = cache.entry(String::new()).or_insert_with(|| dpg_audit::license::normalize(""));
            expression.append_null();
            status.append_value(status_name(m.status));
            candidates.append(true);
            via.append_value(m.via);
            continue;
        };
        if !cache.contains_key(s) {
            cache.insert(s.to_string(), dpg_audit::license::normalize(s));
        }
        let m = &cache[s];
        input.append_value(s);
        expression.append_option(m.expression.as_deref());
        status.append_value(status_name(m.status));
        for c in &m.candidates {
            candidates.values().append_value(c);
        }
        candidates.append(true);
        via.append_value(m.via);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(input.finish()),
        Arc::new(expression.finish()),
        Arc::new(status.finish()),
        Arc::new(candidates.finish()),
        Arc::new(via.finish()),
    ];
    RecordBatch::try_new(normalized_schema(), columns).map_err(|e| e.to_string())
}

/// Normalizes an Arrow string array or stream of them (a column); returns a stream of struct
/// arrays (input, expression, status, candidates, via), one per input chunk.
#[pyfunction]
fn normalize_arrow(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<ArrowStream> {
    let arrays: Vec<ArrayRef> = if data.hasattr("__arrow_c_array__")? {
        vec![import_array(data)?]
    } else if data.hasattr("__arrow_c_stream__")? {
        let capsule = data.call_method0("__arrow_c_stream__")?;
        let capsule = capsule
            .cast::<PyCapsule>()
            .map_err(|_| usage("__arrow_c_stream__ did not return a PyCapsule"))?;
        let pointer = capsule.pointer_checked(Some(STREAM))?;
        // SAFETY: as in `import_stream`: a named stream capsule, moved out of.
        let reader = unsafe {
            arrow_array::ffi_stream::ArrayStreamReader::from_raw(
                pointer.as_ptr().cast::<FFI_ArrowArrayStream>(),
            )
        }
        .map_err(|e| usage(format!("cannot import the Arrow stream: {e}")))?;
        py.detach(|| reader.collect::<Result<Vec<_>, _>>())
            .map_err(|e| usage(format!("cannot read the Arrow stream: {e}")))?
    } else {
        return Err(usage("normalize takes a list of strings or an Arrow string array"));
    };
    let batches = py.detach(|| {
        let mut cache = HashMap::new();
        arrays.iter().map(|a| normalize_chunk(a, &mut cache)).collect::<Result<Vec<_>, _>>()
    });
    let batches = batches.map_err(usage)?;
    Ok(ArrowStream { schema: normalized_schema(), batches: Some(batches) })
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("DpgAuditError", py.get_type::<DpgAuditError>())?;
    m.add("UsageError", py.get_type::<UsageError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("IoError", py.get_type::<DpgIoError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    m.add_class::<NativeAuditor>()?;
    m.add_class::<NativeReport>()?;
    m.add_class::<ArrowStream>()?;
    m.add_class::<PartialBuilder>()?;
    m.add_function(wrap_pyfunction!(audit_paths, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_strings, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_arrow, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
