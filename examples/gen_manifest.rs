//! Writes a large, realistic manifest for tests and benchmarks.
//!
//! ```text
//! cargo run --release --example gen_manifest -- --rows 10000000 --out /tmp/items.parquet \
//!     [--seed 42] [--profile dirty|clean|half] [--ids sequential|uuid] [--row-group-rows 131072] \
//!     [--compression zstd]
//! ```
//!
//! The format follows the extension: `.parquet`, `.csv` or `.ndjson`. Rows are generated in
//! Arrow batches of 64k and written as they are made, so memory stays small for any row count.
//! The output depends only on the arguments: every batch has its own PRNG seeded from `--seed`
//! and the batch number.
//!
//! Columns: `id` (unique: `item-000000042`, or a UUID with `--ids uuid`), `title`, `license`,
//! `url`, `access`.
//!
//! * `dirty`: about 60% `CC-BY-4.0`, then the spellings portals really use (case variants, names,
//!   deed and legalcode URLs), the licenses a DPG audit must reject (NC, ND, GPL, MIT for data),
//!   families without a version, placeholders and empties, and a long tail of about 200 rare
//!   generated variants. URLs live on one host, with ~0.2% on stray hosts and ~0.05% invalid.
//!   Access is mostly empty or open, with some permitted restrictions and rare discriminatory ones.
//! * `clean`: one license, CC BY 4.0, with the same skew and long tail: ~98.5% canonical
//!   `CC-BY-4.0`, then names, URLs and about 200 rare generated spellings that all normalize to
//!   CC-BY-4.0. ~0.02% of URLs are on one stray host (`mirror.example.net`, which a config can
//!   declare as a mirror); access holds only permitted restrictions (login, registration, API
//!   key, rate limit). Audited with that mirror declared, it has no findings at all.
//! * `half`: the manifest of issue #21, a steward's dirty collection: about half of all rows carry
//!   a finding. A long tail of about 1,000 license spellings (the dirty profile's families and
//!   mangled spellings, drawn far less skewed, so the tail is really used), non-free and
//!   unversioned licenses on about a quarter of the rows, and hosts mixed row by row (the main
//!   host on about 70% of rows, the rest spread over four others), so no run of rows shares a
//!   verdict.

use std::collections::HashSet;
use std::error::Error;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow_array::builder::StringBuilder;
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use clap::{Parser, ValueEnum};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;

/// Rows per generated Arrow batch.
const BATCH_ROWS: usize = 65_536;
/// Host of every regular access URL.
const MAIN_HOST: &str = "https://data.example.org/items/";

#[derive(Debug, Parser)]
#[command(about = "Writes a large synthetic dpg-audit manifest (.parquet, .csv or .ndjson)")]
struct Args {
    /// Number of rows (items).
    #[arg(long)]
    rows: u64,
    /// Output file; the format follows its extension.
    #[arg(long)]
    out: PathBuf,
    /// PRNG seed: the same arguments always give the same file.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long, value_enum, default_value_t = Profile::Dirty)]
    profile: Profile,
    /// Rows per Parquet row group.
    #[arg(long, default_value_t = 131_072, value_parser = clap::value_parser!(u64).range(1..))]
    row_group_rows: u64,
    /// Parquet compression codec.
    #[arg(long, value_enum, default_value_t = Codec::Zstd)]
    compression: Codec,
    /// How ids look: `sequential` (`item-000000042`, in row order) or `uuid` (random-looking
    /// UUIDs, unique, in no order: what content collections keyed by UUID look like).
    #[arg(long, value_enum, default_value_t = Ids::Sequential)]
    ids: Ids,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Ids {
    Sequential,
    Uuid,
}

/// A bijection on u64 (the splitmix64 finalizer: xor-shifts and odd multipliers are invertible),
/// so distinct rows give distinct UUIDs without remembering any.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A version-4-shaped UUID for `row`; its first 64 bits are `mix(row)`, so it is unique.
fn write_uuid(out: &mut String, row: u64) -> std::fmt::Result {
    let (hi, lo) = (mix(row), mix(row ^ 0x5851_F42D_4C95_7F2D));
    write!(
        out,
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xfff,
        0x8000 | (lo >> 48 & 0x3fff),
        lo & 0xffff_ffff_ffff
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Profile {
    Dirty,
    Clean,
    /// About half the rows with a finding (issue #21's benchmark manifest).
    Half,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Codec {
    Zstd,
    Snappy,
    Gzip,
    Lz4,
    None,
}

impl Codec {
    fn parquet(self) -> Compression {
        match self {
            Codec::Zstd => Compression::ZSTD(ZstdLevel::default()),
            Codec::Snappy => Compression::SNAPPY,
            Codec::Gzip => Compression::GZIP(GzipLevel::default()),
            Codec::Lz4 => Compression::LZ4_RAW,
            Codec::None => Compression::UNCOMPRESSED,
        }
    }
}

/// splitmix64: tiny, fast and good enough for test data.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xD134_2543_DE82_EF95));
        r.next_u64();
        r
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by multiply-shift.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A discrete distribution over `T`, drawn in O(log n).
#[derive(Debug)]
struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<u64>,
}

impl<T> Weighted<T> {
    fn new(pairs: Vec<(T, u64)>) -> Weighted<T> {
        let mut total = 0;
        let mut items = Vec::with_capacity(pairs.len());
        let mut cumulative = Vec::with_capacity(pairs.len());
        for (item, w) in pairs {
            total += w;
            items.push(item);
            cumulative.push(total);
        }
        Weighted { items, cumulative }
    }

    fn draw(&self, rng: &mut Rng) -> &T {
        let total = self.cumulative.last().copied().unwrap_or(1);
        let r = rng.below(total);
        let i = self.cumulative.partition_point(|&c| c <= r);
        &self.items[i.min(self.items.len() - 1)]
    }
}

/// What goes into the license column.
#[derive(Debug, Clone, Copy)]
enum LicenseChoice {
    Fixed(&'static str),
    /// One of the rare generated variants (skewed towards the first ones).
    Rare,
}

/// Weights per 100,000 rows.
fn license_table(profile: Profile) -> Weighted<LicenseChoice> {
    use LicenseChoice::{Fixed, Rare};
    let pairs = match profile {
        Profile::Clean => vec![
            (Fixed("CC-BY-4.0"), 98_500),
            (Fixed("CC BY 4.0"), 500),
            (Fixed("cc-by-4.0"), 250),
            (Fixed("https://creativecommons.org/licenses/by/4.0/"), 300),
            (Fixed("Creative Commons Attribution 4.0 International"), 150),
            (Rare, 300),
        ],
        Profile::Half => vec![
            (Fixed("CC-BY-4.0"), 16_000),
            (Fixed("cc-by-4.0"), 3_000),
            (Fixed("CC BY 4.0"), 3_000),
            (Fixed("https://creativecommons.org/licenses/by/4.0/"), 4_000),
            (Fixed("CC0-1.0"), 5_000),
            (Fixed("https://creativecommons.org/publicdomain/zero/1.0/"), 2_000),
            (Fixed("ODbL-1.0"), 1_500),
            (Fixed("CC-BY-SA-4.0"), 3_000),
            (Fixed("CC-BY-NC-4.0"), 12_000),
            (Fixed("CC BY-NC-SA 4.0"), 1_500),
            (Fixed("CC-BY-ND-4.0"), 1_000),
            (Fixed("GPL-2.0"), 500),
            (Fixed("MIT"), 500),
            (Fixed("CC BY"), 1_500),
            (Fixed("Creative Commons"), 1_000),
            (Fixed("other"), 500),
            (Fixed("unknown"), 500),
            (Fixed("notspecified"), 500),
            (Fixed(""), 5_000),
            (Rare, 33_000),
        ],
        Profile::Dirty => vec![
            (Fixed("CC-BY-4.0"), 60_000),
            (Fixed("cc-by-4.0"), 4_000),
            (Fixed("CC BY 4.0"), 4_000),
            (Fixed("Attribution 4.0 International"), 1_650),
            (Fixed("https://creativecommons.org/licenses/by/4.0/"), 5_000),
            (Fixed("http://creativecommons.org/licenses/by/4.0/legalcode"), 2_000),
            (Fixed("CC0-1.0"), 5_500),
            (Fixed("CC0 1.0 Universal"), 1_000),
            (Fixed("https://creativecommons.org/publicdomain/zero/1.0/"), 2_000),
            (Fixed("ODbL-1.0"), 1_500),
            (Fixed("CC-BY-SA-4.0"), 3_000),
            (Fixed("CC-BY-NC-4.0"), 3_000),
            (Fixed("CC BY-NC-SA 4.0"), 800),
            (Fixed("CC-BY-ND-4.0"), 400),
            (Fixed("GPL-2.0"), 150),
            (Fixed("MIT"), 300),
            (Fixed("CC BY"), 600),
            (Fixed("Creative Commons"), 400),
            (Fixed("other"), 300),
            (Fixed("unknown"), 300),
            (Fixed("notspecified"), 300),
            (Fixed(""), 1_500),
            (Fixed("Public Domain"), 300),
            (Rare, 2_000),
        ],
    };
    Weighted::new(pairs)
}

/// About 200 distinct rare spellings (1,000 in the half profile), as harvested portals produce
/// them. In the clean profile they are all spellings of CC BY 4.0 (bench/compare.sh warns if the
/// clean manifest has findings).
fn rare_variants(seed: u64, profile: Profile) -> Vec<String> {
    const CLEAN_BASES: &[&str] = &[
        "CC BY 4.0",
        "CC-BY 4.0",
        "CC BY 4.0 International",
        "Creative Commons Attribution 4.0",
        "Creative Commons Attribution 4.0 International",
        "Attribution 4.0 International",
        "CC BY v4.0",
    ];
    const DIRTY_BASES: &[&str] = &[
        "CC BY 4.0",
        "CC-BY 4.0",
        "CC BY-SA 4.0",
        "CC-BY-NC 4.0",
        "CC BY-NC-ND 4.0",
        "CC0",
        "CC0 1.0",
        "Creative Commons Attribution 4.0 International",
        "Creative Commons Attribution-ShareAlike 4.0 International",
        "Creative Commons Attribution-NonCommercial 4.0 International",
        "Creative Commons Zero v1.0 Universal",
        "Open Database License (ODbL) v1.0",
        "ODC-BY 1.0",
        "Open Data Commons Attribution License v1.0",
        "PDDL",
        "CC BY 3.0 IGO",
        "Creative Commons Attribution 3.0 IGO",
        "CC BY-SA 3.0 IGO",
        "Open Government Licence v3.0",
        "Datenlizenz Deutschland Namensnennung 2.0",
        "Licence Ouverte / Open Licence 2.0",
        "CC BY 2.5",
        "Attribution-NonCommercial-ShareAlike 4.0 International",
        "Apache 2.0",
    ];
    const CLEAN_URL_KINDS: &[(&str, &str)] = &[("licenses/by", "4.0")];
    const DIRTY_URL_KINDS: &[(&str, &str)] = &[
        ("licenses/by", "4.0"),
        ("licenses/by-sa", "4.0"),
        ("licenses/by-nc", "4.0"),
        ("licenses/by-nd", "4.0"),
        ("licenses/by", "3.0"),
        ("licenses/by-sa", "3.0"),
        ("licenses/by", "2.0"),
        ("licenses/by-nc-sa", "3.0"),
        ("publicdomain/zero", "1.0"),
    ];
    const LANGS: &[&str] = &["de", "fr", "es", "en", "nl", "pt", "it", "ja", "pl", "sv", "fi", "en_GB"];
    const PORTS: &[&str] = &["de", "fr", "nl", "es", "at", "us", "au", "br", "it", "ch", "jp", "pl"];

    let clean = profile == Profile::Clean;
    let (bases, url_kinds) =
        if clean { (CLEAN_BASES, CLEAN_URL_KINDS) } else { (DIRTY_BASES, DIRTY_URL_KINDS) };
    let stream = match profile {
        Profile::Clean => 0xC1EA_0F7A_11A5,
        Profile::Dirty => 0x5EED_0F7A_11A5,
        Profile::Half => 0x4A1F_0F7A_11A5,
    };
    let mut rng = Rng::new(seed, stream);
    let wanted = if profile == Profile::Half { 1_000 } else { 200 };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut attempts = 0;
    while out.len() < wanted && attempts < 100 * wanted {
        attempts += 1;
        // The clean profile has no jurisdiction ports or IGO variants (other licenses).
        let kind = if clean { [0, 1, 4, 5, 6, 7][rng.below(6) as usize] } else { rng.below(8) };
        let v = match kind {
            // Deed and legalcode URLs with a language suffix.
            0 | 1 => {
                let (kind, ver) = rng.pick(url_kinds);
                let scheme = if rng.below(2) == 0 { "https" } else { "http" };
                let page = if rng.below(2) == 0 { "deed" } else { "legalcode" };
                format!("{scheme}://creativecommons.org/{kind}/{ver}/{page}.{}", rng.pick(LANGS))
            }
            // Jurisdiction ports.
            2 => {
                let kind = rng.pick(&["by", "by-sa", "by-nc", "by-nd", "by-nc-sa"]);
                let ver = rng.pick(&["2.0", "2.5", "3.0"]);
                let scheme = if rng.below(2) == 0 { "https" } else { "http" };
                format!("{scheme}://creativecommons.org/licenses/{kind}/{ver}/{}/", rng.pick(PORTS))
            }
            // IGO URLs.
            3 if rng.below(3) == 0 => {
                let kind = rng.pick(&["by", "by-sa", "by-nc", "by-nc-sa", "by-nd"]);
                format!("https://creativecommons.org/licenses/{kind}/3.0/igo/")
            }
            // A base spelling, mangled.
            _ => {
                let mut s = rng.pick(bases).to_string();
                match rng.below(4) {
                    0 => s = s.to_lowercase(),
                    1 => s = s.to_uppercase(),
                    2 => s = random_case(&s, &mut rng),
                    _ => {}
                }
                if rng.below(3) == 0 {
                    s = s.replace(' ', "  ");
                }
                if rng.below(3) == 0 {
                    s.push_str(rng.pick(&[" license", " License", " licence", " LICENSE"]));
                }
                match rng.below(6) {
                    0 => s = format!("\"{s}\""),
                    1 => s = format!("'{s}'"),
                    2 => s = format!(" {s} "),
                    3 => s.push('.'),
                    _ => {}
                }
                s
            }
        };
        if seen.insert(v.clone()) {
            out.push(v);
        }
    }
    out
}

fn random_case(s: &str, rng: &mut Rng) -> String {
    s.chars()
        .map(|c| if rng.below(2) == 0 { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
        .collect()
}

/// What goes into the url column.
#[derive(Debug, Clone, Copy)]
enum UrlChoice {
    Main,
    Stray(&'static str, &'static str),
    Invalid(&'static str, &'static str),
    Empty,
}

/// Weights per 100,000 rows.
fn url_table(profile: Profile) -> Weighted<UrlChoice> {
    use UrlChoice::{Empty, Invalid, Main, Stray};
    let pairs = match profile {
        Profile::Clean => vec![(Main, 99_980), (Stray("https://mirror.example.net/items/", ""), 20)],
        // Row by row: every row draws its host, so neighbours rarely share one.
        Profile::Half => vec![
            (Main, 70_000),
            (Stray("https://mirror.example.net/items/", ""), 9_000),
            (Stray("https://files.example.com/d/", ".zip"), 8_000),
            (Stray("http://legacy.data.example.org/items/", ""), 7_000),
            (Stray("https://zenodo.org/records/", ""), 5_500),
            (Invalid("items/", ""), 200),
            (Invalid("ftp://ftp.example.org/pub/", ".zip"), 200),
            (Empty, 100),
        ],
        Profile::Dirty => vec![
            (Main, 99_750),
            (Stray("https://mirror.example.net/items/", ""), 80),
            (Stray("https://files.example.com/d/", ".zip"), 50),
            (Stray("http://legacy.data.example.org/items/", ""), 40),
            (Stray("https://zenodo.org/records/", ""), 30),
            (Invalid("items/", ""), 10),
            (Invalid("/data/items/", ".csv"), 8),
            (Invalid("ftp://ftp.example.org/pub/", ".zip"), 10),
            (Invalid("http://localhost/items/", ""), 8),
            (Invalid("http://192.168.10.4/items/", ""), 4),
            (Empty, 10),
        ],
    };
    Weighted::new(pairs)
}

/// Weights per 100,000 rows.
fn access_table(profile: Profile) -> Weighted<&'static str> {
    let pairs = match profile {
        Profile::Clean => vec![
            ("", 60_000),
            ("none", 18_000),
            ("public", 10_000),
            ("registration", 5_000),
            ("login", 3_500),
            ("api key", 2_000),
            ("rate limit", 1_000),
            ("login required", 500),
        ],
        Profile::Dirty | Profile::Half => vec![
            ("", 58_550),
            ("none", 14_000),
            ("public", 14_000),
            ("open", 2_000),
            ("login", 3_500),
            ("registration", 2_500),
            ("api key", 2_500),
            ("rate limit", 2_000),
            ("login required", 500),
            ("US only", 100),
            ("members only", 100),
            ("request access", 150),
            ("subscription", 100),
        ],
    };
    Weighted::new(pairs)
}

const TOPICS: &[&str] = &[
    "Air quality",
    "Street trees",
    "Building permits",
    "Traffic counts",
    "Bicycle counters",
    "Water quality",
    "Noise levels",
    "Parking occupancy",
    "Bus stops",
    "Election results",
    "Population by age",
    "School enrolment",
    "Budget execution",
    "Land use",
    "Flood risk zones",
    "Solar potential",
    "Waste collection",
    "Library loans",
    "Public toilets",
    "Road works",
    "Housing prices",
    "Energy consumption",
    "Groundwater levels",
    "Bird counts",
    "Hospital beds",
    "Tourism overnight stays",
    "Business registrations",
    "Unemployment rate",
    "Rainfall",
    "Soil samples",
];
const KINDS: &[&str] = &[
    "measurements",
    "inventory",
    "register",
    "statistics",
    "map",
    "time series",
    "survey",
    "locations",
    "annual report",
    "daily values",
    "monthly summary",
    "GeoJSON export",
];
const PLACES: &[&str] = &[
    "Riverside",
    "Old Town",
    "North Harbor",
    "Eastfield",
    "Hill District",
    "Westbrook",
    "Lakeside",
    "Central Station area",
    "University quarter",
    "South Industrial Park",
    "all districts",
    "city-wide",
];
const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn write_title(buf: &mut String, rng: &mut Rng) -> std::fmt::Result {
    let topic = rng.pick(TOPICS);
    let kind = rng.pick(KINDS);
    let place = rng.pick(PLACES);
    let year = 2005 + rng.below(20);
    match rng.below(5) {
        0 => write!(buf, "{topic} {kind}, {place}, {year}"),
        1 => write!(buf, "{topic} {kind} ({place})"),
        2 => write!(buf, "{topic}, {place}, {} {year}", rng.pick(MONTHS)),
        3 => write!(buf, "{topic} {kind} Q{} {year}", 1 + rng.below(4)),
        _ => write!(buf, "{topic}: {kind} {year}-{}", year + 1 + rng.below(3)),
    }
}

/// Everything a batch generator needs; shared, read-only.
#[derive(Debug)]
struct Generator {
    seed: u64,
    licenses: Weighted<LicenseChoice>,
    rare: Vec<String>,
    urls: Weighted<UrlChoice>,
    access: Weighted<&'static str>,
    ids: Ids,
    schema: SchemaRef,
    half: bool,
}

impl Generator {
    fn new(seed: u64, profile: Profile, ids: Ids) -> Generator {
        let schema = Arc::new(Schema::new(
            ["id", "title", "license", "url", "access"]
                .iter()
                .map(|n| Field::new(*n, DataType::Utf8, false))
                .collect::<Vec<_>>(),
        ));
        Generator {
            seed,
            licenses: license_table(profile),
            rare: rare_variants(seed, profile),
            urls: url_table(profile),
            access: access_table(profile),
            ids,
            schema,
            half: profile == Profile::Half,
        }
    }

    /// Rows `first..first + n` (batch number `index`).
    fn batch(&self, index: u64, first: u64, n: usize) -> Result<RecordBatch, Box<dyn Error>> {
        let mut rng = Rng::new(self.seed, index + 1);
        let mut id = StringBuilder::with_capacity(n, n * 14);
        let mut title = StringBuilder::with_capacity(n, n * 40);
        let mut license = StringBuilder::with_capacity(n, n * 12);
        let mut url = StringBuilder::with_capacity(n, n * 46);
        let mut access = StringBuilder::with_capacity(n, n * 3);
        let mut buf = String::with_capacity(128);
        let mut id_buf = String::with_capacity(16);
        for row in first..first + n as u64 {
            id_buf.clear();
            match self.ids {
                Ids::Sequential => write!(id_buf, "item-{row:09}")?,
                Ids::Uuid => write_uuid(&mut id_buf, row)?,
            }
            id.append_value(&id_buf);

            buf.clear();
            write_title(&mut buf, &mut rng)?;
            title.append_value(&buf);

            match self.licenses.draw(&mut rng) {
                LicenseChoice::Fixed(s) => license.append_value(s),
                LicenseChoice::Rare => {
                    // Skewed: a few rare spellings recur, most appear a handful of times (in
                    // the half profile, less skewed: every one of the ~1,000 is in use).
                    let u = rng.unit();
                    let u = if self.half { u * u } else { u.powi(3) };
                    let k = (u * self.rare.len() as f64) as usize;
                    license.append_value(self.rare.get(k).map_or("", String::as_str));
                }
            }

            buf.clear();
            match self.urls.draw(&mut rng) {
                UrlChoice::Main => write!(buf, "{MAIN_HOST}{id_buf}")?,
                UrlChoice::Stray(prefix, suffix) | UrlChoice::Invalid(prefix, suffix) => {
                    write!(buf, "{prefix}{id_buf}{suffix}")?
                }
                UrlChoice::Empty => {}
            }
            url.append_value(&buf);

            access.append_value(self.access.draw(&mut rng));
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id.finish()),
            Arc::new(title.finish()),
            Arc::new(license.finish()),
            Arc::new(url.finish()),
            Arc::new(access.finish()),
        ];
        Ok(RecordBatch::try_new(self.schema.clone(), columns)?)
    }
}

/// Where batches go.
enum Sink {
    Parquet(ArrowWriter<BufWriter<File>>),
    Csv(csv::Writer<BufWriter<File>>),
    Ndjson(BufWriter<File>),
}

impl Sink {
    fn open(path: &Path, schema: SchemaRef, args: &Args) -> Result<Sink, Box<dyn Error>> {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
        Ok(match ext.as_deref() {
            Some("parquet") => {
                let props = WriterProperties::builder()
                    .set_compression(args.compression.parquet())
                    .set_max_row_group_row_count(Some(usize::try_from(args.row_group_rows)?))
                    .build();
                Sink::Parquet(ArrowWriter::try_new(file, schema, Some(props))?)
            }
            Some("csv") => {
                let mut w = csv::Writer::from_writer(file);
                w.write_record(schema.fields().iter().map(|f| f.name().as_str()))?;
                Sink::Csv(w)
            }
            Some("ndjson" | "jsonl") => Sink::Ndjson(file),
            _ => {
                return Err(
                    format!("{}: unknown extension; use .parquet, .csv or .ndjson", path.display()).into()
                );
            }
        })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<(), Box<dyn Error>> {
        match self {
            Sink::Parquet(w) => w.write(batch)?,
            Sink::Csv(w) => {
                let cols = string_columns(batch)?;
                for i in 0..batch.num_rows() {
                    w.write_record(cols.iter().map(|c| c.value(i)))?;
                }
            }
            Sink::Ndjson(w) => {
                let cols = string_columns(batch)?;
                let schema = batch.schema();
                let names: Vec<String> = schema
                    .fields()
                    .iter()
                    .map(|f| serde_json::to_string(f.name()))
                    .collect::<Result<_, _>>()?;
                for i in 0..batch.num_rows() {
                    w.write_all(b"{")?;
                    for (j, (name, col)) in names.iter().zip(&cols).enumerate() {
                        if j > 0 {
                            w.write_all(b",")?;
                        }
                        w.write_all(name.as_bytes())?;
                        w.write_all(b":")?;
                        serde_json::to_writer(&mut *w, col.value(i))?;
                    }
                    w.write_all(b"}\n")?;
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<(), Box<dyn Error>> {
        match self {
            Sink::Parquet(w) => {
                w.close()?;
            }
            Sink::Csv(mut w) => w.flush()?,
            Sink::Ndjson(mut w) => w.flush()?,
        }
        Ok(())
    }
}

fn string_columns(batch: &RecordBatch) -> Result<Vec<&StringArray>, Box<dyn Error>> {
    batch
        .columns()
        .iter()
        .map(|c| c.as_any().downcast_ref::<StringArray>().ok_or_else(|| "expected a string column".into()))
        .collect()
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let start = Instant::now();
    let generator = Generator::new(args.seed, args.profile, args.ids);
    let mut sink = Sink::open(&args.out, generator.schema.clone(), &args)?;

    // One thread generates the next batches while this one encodes and writes; the channel is
    // bounded, so at most a few batches are in memory.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<RecordBatch, String>>(2);
    let rows = args.rows;
    let written = std::thread::scope(|scope| -> Result<u64, Box<dyn Error>> {
        let generator = &generator;
        scope.spawn(move || {
            let mut first = 0u64;
            let mut index = 0u64;
            while first < rows {
                let n = (rows - first).min(BATCH_ROWS as u64) as usize;
                let batch = generator.batch(index, first, n).map_err(|e| e.to_string());
                let failed = batch.is_err();
                if tx.send(batch).is_err() || failed {
                    return;
                }
                first += n as u64;
                index += 1;
            }
        });
        let mut written = 0u64;
        for batch in rx {
            let batch = batch?;
            sink.write(&batch)?;
            written += batch.num_rows() as u64;
        }
        Ok(written)
    })?;
    sink.finish()?;
    if written != rows {
        return Err(format!("wrote {written} rows, expected {rows}").into());
    }

    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "gen_manifest: {written} rows ({:?} profile, seed {}) -> {} in {secs:.2} s ({:.0} rows/s)",
        args.profile,
        args.seed,
        args.out.display(),
        written as f64 / secs.max(1e-9)
    );
    Ok(())
}
