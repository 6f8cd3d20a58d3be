//! DCAT / DCAT-AP (and DCAT-US / Project Open Data JSON-LD) as JSON-LD, Turtle, N-Triples or
//! RDF/XML. The file is parsed by the oxigraph parsers (oxrdfio) into triples, which are indexed
//! by subject and queried by hand: one dataset per `dcat:Dataset`, one item per
//! `dcat:distribution` (or, for a dataset without distributions, per `dcat:DataService` serving it).
//!
//! Licences: `dct:license` may be an IRI (Creative Commons, EU licence authority, or a local
//! `dct:LicenseDocument`), a blank-node `LicenseDocument` with a title, or a literal. A licence
//! document that declares `skos:exactMatch` to a known licence is read as that licence, with the
//! match given as evidence. A `dct:license` on the `dcat:Catalog` licenses the catalog's metadata,
//! not its datasets, so it is not inherited.

use std::collections::HashMap;
use std::path::Path;

use oxrdf::{NamedOrBlankNode, Term};
use oxrdfio::{RdfFormat, RdfParser};

use super::{Dataset, Entry, InputFormat, Item, text};
use crate::error::{Error, Result};
use crate::license::{self, Status};

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
/// Project Open Data's published JSON-LD context maps some terms to `dct:#term` (sic).
const DCT_HASH: &str = "http://purl.org/dc/terms/#";
const DC11: &str = "http://purl.org/dc/elements/1.1/";
const RDFS_LABEL: &str = "http://www.w3.org/2000/01/rdf-schema#label";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";

/// A node or value, as a string key for the index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Node {
    Iri(String),
    Blank(String),
    Literal { value: String, lang: Option<String> },
}

impl Node {
    fn from_subject(s: &NamedOrBlankNode) -> Node {
        match s {
            NamedOrBlankNode::NamedNode(n) => Node::Iri(n.as_str().to_string()),
            NamedOrBlankNode::BlankNode(b) => Node::Blank(b.as_str().to_string()),
        }
    }

    fn from_term(t: &Term) -> Option<Node> {
        Some(match t {
            Term::NamedNode(n) => Node::Iri(n.as_str().to_string()),
            Term::BlankNode(b) => Node::Blank(b.as_str().to_string()),
            Term::Literal(l) => {
                Node::Literal { value: l.value().to_string(), lang: l.language().map(str::to_string) }
            }
            #[allow(unreachable_patterns)] // RDF 1.2 triple terms, when that feature is on
            _ => return None,
        })
    }

    fn iri(&self) -> Option<&str> {
        match self {
            Node::Iri(i) => Some(i),
            _ => None,
        }
    }

    fn literal(&self) -> Option<&str> {
        match self {
            Node::Literal { value, .. } => Some(value),
            _ => None,
        }
    }

    /// An IRI or a literal as text (for URLs and access facts written either way).
    fn as_text(&self) -> Option<String> {
        match self {
            Node::Iri(i) => text(Some(i)),
            Node::Literal { value, .. } => text(Some(value)),
            Node::Blank(_) => None,
        }
    }
}

/// Triples indexed by subject, in file order.
#[derive(Debug, Default)]
struct Graph {
    props: HashMap<Node, Vec<(String, Node)>>,
    /// Subjects in order of first appearance, so datasets come out in file order.
    order: Vec<Node>,
}

impl Graph {
    fn add(&mut self, s: Node, p: String, o: Node) {
        let entry = self.props.entry(s.clone()).or_default();
        if entry.is_empty() {
            self.order.push(s);
        }
        entry.push((p, o));
    }

    /// Objects of `s` under any of the predicate IRIs.
    fn objects<'a, 'p>(
        &'a self,
        s: &Node,
        preds: &'p [String],
    ) -> impl Iterator<Item = &'a Node> + use<'a, 'p> {
        self.props
            .get(s)
            .into_iter()
            .flatten()
            .filter(move |(p, _)| preds.iter().any(|q| q == p))
            .map(|(_, o)| o)
    }

    fn first<'a>(&'a self, s: &Node, preds: &[String]) -> Option<&'a Node> {
        self.objects(s, preds).next()
    }

    /// A literal in English or without language first, else any.
    fn label(&self, s: &Node, preds: &[String]) -> Option<String> {
        let lits: Vec<&Node> = self.objects(s, preds).filter(|o| o.literal().is_some()).collect();
        let pick = lits
            .iter()
            .find(|o| matches!(o, Node::Literal { lang: None, .. }))
            .or_else(|| {
                lits.iter().find(|o| matches!(o, Node::Literal { lang: Some(l), .. } if l.starts_with("en")))
            })
            .or_else(|| lits.first());
        pick.and_then(|o| text(o.literal()))
    }

    fn has_type(&self, s: &Node, class: &str) -> bool {
        self.props.get(s).into_iter().flatten().any(|(p, o)| p == RDF_TYPE && o.iri() == Some(class))
    }
}

fn dct(local: &str) -> Vec<String> {
    vec![format!("{DCT}{local}"), format!("{DCT_HASH}{local}"), format!("{DC11}{local}")]
}

fn dcat(local: &str) -> Vec<String> {
    // ArcGIS Hub feeds write `dcat:accessUrl` / `dcat:downloadUrl`: the same terms, miscased.
    let miscased = local.strip_suffix("URL").map(|stem| format!("{DCAT}{stem}Url"));
    std::iter::once(format!("{DCAT}{local}")).chain(miscased).collect()
}

pub(crate) fn rdf_format(path: &Path, bytes: &[u8]) -> RdfFormat {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    let by_ext = match ext.as_str() {
        "json" => RdfFormat::from_extension("jsonld"),
        "xml" | "owl" => Some(RdfFormat::RdfXml),
        // Only the RDF extensions: oxrdfio also maps `.txt` to N-Triples, but a forced `.txt`
        // export is as likely Turtle (a superset of N-Triples), which the sniffing below picks.
        e @ ("ttl" | "nt" | "n3" | "nq" | "trig" | "rdf" | "jsonld") => RdfFormat::from_extension(e),
        _ => None,
    };
    by_ext.unwrap_or_else(|| {
        match bytes.iter().find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xef | 0xbb | 0xbf)) {
            Some(b'<') if bytes.windows(8).take(4096).any(|w| w == b"rdf:RDF " || w == b"<rdf:RDF") => {
                RdfFormat::RdfXml
            }
            Some(b'{' | b'[') => RdfFormat::from_extension("jsonld").unwrap_or(RdfFormat::Turtle),
            _ => RdfFormat::Turtle,
        }
    })
}

fn parse(path: &Path, bytes: &[u8]) -> Result<(Graph, Option<String>)> {
    let format = rdf_format(path, bytes);
    // The parsers expand DTD entities without bound and recurse on JSON-LD nesting: both are
    // checked first (crate::limits).
    match format {
        RdfFormat::RdfXml => crate::limits::check_xml_entities(path, bytes)?,
        RdfFormat::JsonLd { .. } => crate::limits::check_json_nesting(path, bytes)?,
        _ => {}
    }
    match parse_with(path, bytes, format, false) {
        Ok(g) => Ok((g, None)),
        // Real catalogs carry IRIs a strict parser refuses (a `[` or a space in a query string);
        // such a file is read again without IRI validation, and the report says so. Any other
        // error (broken syntax) stands.
        Err((e, true)) => match parse_with(path, bytes, format, true) {
            Ok(g) => Ok((g, Some(format!("read leniently: {}", strip(&e, path))))),
            Err(_) => Err(e),
        },
        Err((e, false)) => Err(e),
    }
}

fn strip(e: &Error, path: &Path) -> String {
    let s = e.to_string();
    s.strip_prefix(&format!("{}: ", path.display())).map(str::to_string).unwrap_or(s)
}

/// Parses the triples; an error says whether it was about an IRI (worth a lenient retry).
fn parse_with(
    path: &Path,
    bytes: &[u8],
    format: RdfFormat,
    lenient: bool,
) -> std::result::Result<Graph, (Error, bool)> {
    let new = || {
        let p = RdfParser::from_format(format);
        if lenient { p.lenient() } else { p }
    };
    let mut parser = new();
    // Relative IRIs (rdf:about="#ds1") resolve against the file's own location.
    if let Some(base) = std::fs::canonicalize(path).ok().and_then(|p| url::Url::from_file_path(p).ok())
        && let Ok(p) = new().with_base_iri(base.as_str())
    {
        parser = p;
    }
    let mut graph = Graph::default();
    for quad in parser.for_slice(bytes) {
        let quad = quad.map_err(|e| {
            let text = e.to_string();
            let mut msg = format!("invalid RDF ({}): {text}", format.name());
            if matches!(format, RdfFormat::JsonLd { .. }) && text.contains("load") {
                msg.push_str(" (remote JSON-LD contexts are not fetched; inline the @context)");
            }
            let iri = text.to_ascii_lowercase().contains("iri");
            (Error::input(path, msg), iri && !lenient)
        })?;
        let Some(o) = Node::from_term(&quad.object) else { continue };
        graph.add(Node::from_subject(&quad.subject), quad.predicate.as_str().to_string(), o);
    }
    Ok(graph)
}

/// Project Open Data (DCAT-US) `accessLevel` is not in its JSON-LD context, so expansion drops
/// it; it is read from the JSON directly, by the node's `@id`.
fn pod_access_levels(bytes: &[u8]) -> HashMap<String, String> {
    fn walk(v: &serde_json::Value, out: &mut HashMap<String, String>) {
        match v {
            serde_json::Value::Object(o) => {
                if let (Some(id), Some(level)) =
                    (o.get("@id").and_then(|v| v.as_str()), o.get("accessLevel").and_then(|v| v.as_str()))
                {
                    out.insert(id.to_string(), level.to_string());
                }
                o.values().for_each(|v| walk(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = HashMap::new();
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
        walk(&v, &mut out);
    }
    out
}

pub fn read(path: &Path, bytes: &[u8]) -> Result<Vec<Entry>> {
    // DCAT-US data.json is read by its own keys (its context is built in, never fetched).
    let head = bytes.iter().find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xef | 0xbb | 0xbf));
    if head == Some(&b'{') || head == Some(&b'[') {
        let (value, note) = super::parse_json(path, bytes, InputFormat::Dcat)?;
        let mut entries = match &value {
            serde_json::Value::Object(o) if super::pod::is_catalog(o) => super::pod::read(path, o)?,
            serde_json::Value::Array(a)
                if a.first()
                    .and_then(serde_json::Value::as_object)
                    .is_some_and(super::pod::is_dcat_json_dataset) =>
            {
                super::pod::read_list(path, a)?
            }
            _ => Vec::new(),
        };
        if !entries.is_empty() {
            super::add_note(&mut entries, note);
            return Ok(entries);
        }
    }
    let (graph, note) = parse(path, bytes)?;
    if graph.props.is_empty() {
        return Err(Error::input(path, "the RDF holds no triples"));
    }
    let levels = pod_access_levels(bytes);
    let dataset_class = format!("{DCAT}Dataset");
    let mut datasets: Vec<&Node> = graph.order.iter().filter(|s| graph.has_type(s, &dataset_class)).collect();
    // Datasets a catalog lists without typing them.
    for s in &graph.order {
        for d in graph.objects(s, &dcat("dataset")) {
            if graph.props.contains_key(d) && !datasets.contains(&d) {
                datasets.push(d);
            }
        }
    }
    if datasets.is_empty() {
        return Err(Error::input(
            path,
            "no dcat:Dataset in the RDF (looked for subjects typed dcat:Dataset or listed by dcat:dataset)",
        ));
    }
    let mut entries: Vec<Entry> =
        datasets.into_iter().enumerate().map(|(i, s)| dataset(path, i, &graph, s, &levels)).collect();
    super::add_note(&mut entries, note);
    Ok(entries)
}

/// A `dct:license` value as (statement, evidence).
fn license_of(g: &Graph, node: &Node) -> (Option<String>, Option<String>) {
    let titles = [dct("title"), vec![RDFS_LABEL.to_string(), format!("{SKOS}prefLabel")]].concat();
    let exact = g.first(node, &[format!("{SKOS}exactMatch")]).and_then(Node::iri).map(str::to_string);
    match node {
        Node::Literal { value, .. } => (text(Some(value)), None),
        Node::Iri(iri) => {
            if let Some(m) = exact {
                return (
                    Some(m.clone()),
                    Some(format!("licence document <{iri}> declares skos:exactMatch <{m}>")),
                );
            }
            if license::normalize(iri).status == Status::Unknown
                && let Some(label) = g.label(node, &titles)
            {
                return (Some(label.clone()), Some(format!("licence <{iri}> is labelled \"{label}\"")));
            }
            (Some(iri.clone()), None)
        }
        Node::Blank(_) => {
            if let Some(m) = exact {
                return (Some(m.clone()), Some(format!("licence document declares skos:exactMatch <{m}>")));
            }
            match g.label(node, &titles).or_else(|| g.label(node, &dct("identifier"))) {
                Some(l) => (Some(l), Some("licence document without an IRI, read by its title".into())),
                None => (None, Some("licence document without IRI, title or exactMatch".into())),
            }
        }
    }
}

/// A `dct:accessRights` value as text: an IRI (EU access-right authority), a literal, or a
/// RightsStatement's label.
fn access_of(g: &Graph, node: &Node) -> Option<String> {
    match node {
        Node::Blank(_) => {
            g.label(node, &[dct("title"), dct("description"), vec![RDFS_LABEL.to_string()]].concat())
        }
        other => other.as_text(),
    }
}

fn dataset(path: &Path, position: usize, g: &Graph, s: &Node, levels: &HashMap<String, String>) -> Entry {
    let mut d = Dataset::new(path, position, InputFormat::Dcat);
    d.id = match s {
        Node::Iri(i) => Some(i.clone()),
        _ => g.label(s, &dct("identifier")),
    };
    d.name = g.label(s, &dct("title")).or_else(|| g.label(s, &dct("identifier")));
    if let Some(l) = g.first(s, &dct("license")) {
        let (license, _) = license_of(g, l);
        d.license = license;
    }
    d.access = g
        .first(s, &dct("accessRights"))
        .and_then(|a| access_of(g, a))
        .or_else(|| d.id.as_ref().and_then(|id| levels.get(id).cloned()));
    d.home_url = g.first(s, &dcat("landingPage")).and_then(Node::as_text);
    d.expects_urls = true;

    let mut parts: Vec<&Node> = g.objects(s, &dcat("distribution")).collect();
    // Data services that serve the dataset: its items when it lists no distribution, and the
    // access location of a distribution that gives no URL of its own.
    let serves = dcat("servesDataset");
    let services: Vec<&Node> = g.order.iter().filter(|svc| g.objects(svc, &serves).any(|x| x == s)).collect();
    let service_endpoint =
        services.iter().find_map(|svc| g.first(svc, &dcat("endpointURL")).and_then(Node::as_text));
    if parts.is_empty() {
        parts.clone_from(&services);
    }
    if parts.is_empty() {
        d.items.push(d.record_item("the dataset has no dcat:distribution and no data service serves it"));
    }
    for p in parts {
        let (license, evidence) = match g.first(p, &dct("license")) {
            Some(l) => license_of(g, l),
            None => (None, None),
        };
        let service_url = || {
            g.objects(p, &dcat("accessService"))
                .chain(std::iter::once(p))
                .find_map(|svc| g.first(svc, &dcat("endpointURL")).and_then(Node::as_text))
        };
        let url = g
            .first(p, &dcat("downloadURL"))
            .and_then(Node::as_text)
            .or_else(|| g.first(p, &dcat("accessURL")).and_then(Node::as_text))
            .or_else(service_url)
            .or_else(|| service_endpoint.clone());
        let id = match p {
            Node::Iri(i) => Some(i.clone()),
            _ => g.label(p, &dct("identifier")),
        };
        d.items.push(Item {
            title: g.label(p, &dct("title")).or_else(|| id.clone()),
            id,
            license,
            license_url: None,
            url,
            access: g.first(p, &dct("accessRights")).and_then(|a| access_of(g, a)),
            evidence,
            ..Item::default()
        });
    }
    d.inherit();
    Ok(d)
}
