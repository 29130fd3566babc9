#![forbid(unsafe_code)]
pub mod ca;
