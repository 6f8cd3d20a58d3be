#![no_main]
use dpg_audit::portal::InputFormat;
libfuzzer_sys::fuzz_target!(|data: &[u8]| dpg_audit_fuzz::portal(data, "json", InputFormat::Croissant));
