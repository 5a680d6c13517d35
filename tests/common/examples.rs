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
    // The sources cargo built the binary from, as its dep-info file lists them; without one,
    // every Rust file of the crate and its examples.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let newer = match dependencies(&binary) {
        Some(files) => files.into_iter().find(|file| {
            std::fs::metadata(file)
                .and_then(|m| m.modified())
                .is_ok_and(|time| time > built)
        }),
        None => ["src", "examples"]
            .iter()
            .find_map(|dir| newer_rust_file(&root.join(dir), built)),
    };
    if let Some(newer) = newer {
        panic!(
            "{} is older than {}: {rebuild}",
            binary.display(),
            newer.display()
        );
    }
    binary
}

/// The files cargo's dep-info file next to `binary` (`<name>.d`, a Makefile rule
/// `binary: dep dep ...`, a space in a path escaped as `\ `) lists, if it can be read.
fn dependencies(binary: &Path) -> Option<Vec<PathBuf>> {
    let text = std::fs::read_to_string(binary.with_extension("d")).ok()?;
    let first = text.lines().next()?;
    let target = binary.to_str()?;
    let deps = first.strip_prefix(target)?.strip_prefix(':')?;
    let mut files = Vec::new();
    let mut file = String::new();
    let mut chars = deps.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Only before a space: a backslash is also Windows' path separator.
            '\\' if chars.peek() == Some(&' ') => file.extend(chars.next()),
            ' ' => {
                if !file.is_empty() {
                    files.push(PathBuf::from(std::mem::take(&mut file)));
                }
            }
            c => file.push(c),
        }
    }
    if !file.is_empty() {
        files.push(PathBuf::from(file));
    }
    (!files.is_empty()).then_some(files)
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

/// The longest an example may take to refuse its arguments: the bounds answer in
/// milliseconds; a run that started the work it was asked for would take far longer (or
/// abort), so this only needs to be generous for a loaded machine and a debug build.
pub const REFUSAL_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs example `name` with `args` and checks that it refuses them quickly: a failure code
/// within [`REFUSAL_TIME`], a message starting with `error` on stderr, and no panic. Returns
/// the message.
#[track_caller]
pub fn refused(name: &str, args: &[&str]) -> String {
    let start = std::time::Instant::now();
    let output = Command::new(example_binary(name))
        .args(args)
        // A run that got past the bounds would write its picture here, never in the tree.
        .current_dir(std::env::temp_dir())
        .output()
        .expect("the example starts");
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{name} {args:?} succeeded");
    assert!(stderr.starts_with("error"), "{name} {args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{name} {args:?}: {stderr}");
    assert!(
        elapsed < REFUSAL_TIME,
        "{name} {args:?} took {elapsed:?} to refuse"
    );
    stderr
}

/// The arguments every example must refuse before any work, whatever its grid: prices, threads
/// and runs out of bounds, with the phrase each message must contain. `memory_limit` is the
/// examples' limit on this machine (`bounds::memory_limit`): the bars of the first case exceed
/// it here, however much memory the machine has (3,000,000,000 bars, 72 GB, on most).
pub fn bound_cases(memory_limit: u128) -> Vec<(Vec<String>, &'static str)> {
    let over_memory = format!("1:{}", (memory_limit / 24 + 1).max(3_000_000_000));
    let cases: [(&[&str], &str); 9] = [
        (&["--synthetic", &over_memory], "over the memory limit"),
        (&["--synthetic", "99999999999:1"], "over the memory limit"),
        (&["--threads", "100000", "--synthetic", "1:100"], "at most"),
        (&["--threads", "0"], "at least 1 thread"),
        (&["--repeat", "0"], "at least 1 run"),
        (&["--repeat", "100000"], "at most 1000"),
        (&["--synthetic", "0:10"], "at least one symbol"),
        (&["--synthetic", "2x10"], "SYMBOLS:BARS"),
        (&["--synthetic", "1:10", "--csv", "x.csv"], "cannot be used"),
    ];
    cases
        .iter()
        .map(|(args, phrase)| (args.iter().map(|a| a.to_string()).collect(), *phrase))
        .collect()
}

/// Checks that example `name` refuses every [`bound_cases`] case, with `extra` arguments
/// (such as `--heatmap PATH`) after each.
#[track_caller]
pub fn refuses_out_of_bounds_arguments(name: &str, memory_limit: u128, extra: &[&str]) {
    for (args, phrase) in bound_cases(memory_limit) {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.extend(extra);
        let message = refused(name, &args);
        assert!(message.contains(phrase), "{name} {args:?}: {message}");
    }
}

/// Runs example `name` with `args`, asserts that it succeeded, and returns its standard output.
pub fn succeed(name: &str, args: &[&std::ffi::OsStr]) -> String {
    let output = run_example(name, args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the example failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The example's last line, parsed as JSON.
pub fn json_line(stdout: &str) -> serde_json::Value {
    let last = stdout.lines().last().expect("some output");
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {last}"))
}
