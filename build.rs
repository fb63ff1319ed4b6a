// The web pages' templates, static files and texts are compiled into the binary
// (include_dir!, src/service/web); a change under web/ must rebuild it.
fn main() {
    println!("cargo:rerun-if-changed=web");
}
