//! `asbuilt serve`: the parts of the service that run labs for a whole school.

pub mod lifecycle;
