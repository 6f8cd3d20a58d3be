#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dpg_audit_fuzz::manifest(data, "parquet"));
