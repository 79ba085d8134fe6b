// `sqlx::migrate!` embeds the migrations at compile time but does not tell Cargo about them.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
