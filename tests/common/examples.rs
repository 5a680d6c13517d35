//! Running the examples' binaries from integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The binary of example `name` that `cargo test` built next to the test's directory.
///
/// `cargo test --test NAME` alone does not build examples, so the binary may be missing or
/// older than the code it should test: both fail here rather than test stale code.
pub fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    // target/<profile>/deps/<test>-<hash> -> target/<profile>/examples/<name>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps");
    let binary = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let rebuild = format!(
        "run the whole `cargo test`, which builds the examples, or `cargo build --example {name}`"
    );
    let built = std::fs::metadata(&binary)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| panic!("{} does not exist: {rebuild}", binary.display()));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["src", "examples"] {
        if let Some(newer) = newer_rust_file(&root.join(dir), built) {
            panic!(
                "{} is older than {}: {rebuild}",
                binary.display(),
                newer.display()
            );
        }
    }
    binary
}

/// A `.rs` file under `dir` modified after `time`, if any.
fn newer_rust_file(dir: &Path, time: std::time::SystemTime) -> Option<PathBuf> {
    std::fs::read_dir(dir).ok()?.flatten().find_map(|entry| {
        let path = entry.path();
        let metadata = entry.metadata().ok()?;
        if metadata.is_dir() {
            newer_rust_file(&path, time)
        } else {
            let newer = path.extension()? == "rs" && metadata.modified().ok()? > time;
            newer.then_some(path)
        }
    })
}

/// Runs example `name` with `args`.
pub fn run_example(name: &str, args: &[&std::ffi::OsStr]) -> Output {
    Command::new(example_binary(name))
        .args(args)
        .output()
        .expect("the example starts")
}

/// `examples/data/<name>`.
pub fn bundled_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/data")
        .join(name)
}

/// A file in the temporary directory, removed when dropped (also when a test fails).
pub struct TempFile(pub PathBuf);

impl TempFile {
    pub fn new(label: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        TempFile(
            std::env::temp_dir().join(format!("ta_sweep_test_{}_{n}_{label}", std::process::id())),
        )
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
