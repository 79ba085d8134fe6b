//! The kernel compiled as C on the host (tests only): the very text NVRTC compiles, after
//! `host_shim.h` instead of `cuda_prelude.h`, driven by `host_driver.c`, which runs a
//! launch's blocks and threads as loops. Built once per test run with `cc` (or `$CC`), with
//! AddressSanitizer and UndefinedBehaviorSanitizer when the compiler has them, so that an
//! out-of-bounds read of shared memory or a shift by 32 fails the test as it would corrupt a
//! GPU run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::plan::{Launch, Launched, Launcher, OFFSET_WORDS, Problem};
use crate::{CudaError, HOST_SHIM, KERNEL_SOURCE};

const DRIVER: &str = include_str!("kernel/host_driver.c");

/// The host build of the kernel, or why there is none (no C compiler).
pub(crate) fn host_kernel() -> Option<&'static Path> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(build) {
        Ok(path) => Some(path),
        Err(why) => {
            eprintln!("skipping the host run of the CUDA kernel: {why}");
            None
        }
    }
}

fn build() -> Result<PathBuf, String> {
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    if Command::new(&compiler).arg("--version").output().is_err() {
        return Err(format!("no C compiler ({compiler}) on PATH"));
    }
    let dir = std::env::temp_dir().join(format!("lazo-index-cuda-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for (name, text) in [
        ("exclusion_filter.cu", KERNEL_SOURCE),
        ("host_shim.h", HOST_SHIM),
        ("host_driver.c", DRIVER),
    ] {
        std::fs::write(dir.join(name), text).map_err(|e| e.to_string())?;
    }
    let exe = dir.join("host_driver");
    let strict = [
        "-std=c99",
        "-pedantic",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-O1",
        "-g",
    ];
    let sanitizers = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"];
    let compile = |extra: &[&str]| {
        Command::new(&compiler)
            .args(strict)
            .args(extra)
            .arg("-x")
            .arg("c")
            .arg(dir.join("host_driver.c"))
            .arg("-o")
            .arg(&exe)
            .output()
            .map_err(|e| e.to_string())
    };
    let sanitized = compile(&sanitizers)?;
    if sanitized.status.success() {
        return Ok(exe);
    }
    // A compiler without the sanitizers' runtimes; any other failure repeats below.
    let plain = compile(&[])?;
    if plain.status.success() {
        eprintln!("note: the host kernel is built without sanitizers (the compiler lacks them)");
        return Ok(exe);
    }
    // A kernel that is not valid C is a failure of the test, not a reason to skip it.
    panic!(
        "the kernel does not compile as C:\n{}",
        String::from_utf8_lossy(&plain.stderr)
    );
}

/// Runs launches through the host build, one process per launch.
#[derive(Debug)]
pub(crate) struct HostRun {
    exe: &'static Path,
    /// The launch-independent part of the input: offsets and profiles.
    body: Vec<u8>,
    n_queries: u32,
    n_targets: u32,
    same_set: bool,
    bitmaps: u32,
    shared_budget: u32,
    /// Threads and blocks in reverse order.
    pub(crate) reverse: bool,
}

impl HostRun {
    pub(crate) fn new(exe: &'static Path, shared_budget: u32) -> HostRun {
        HostRun {
            exe,
            body: Vec::new(),
            n_queries: 0,
            n_targets: 0,
            same_set: true,
            bitmaps: 0,
            shared_budget,
            reverse: false,
        }
    }
}

fn words(out: &mut Vec<u8>, words: &[u32]) {
    for w in words {
        out.extend_from_slice(&w.to_le_bytes());
    }
}

impl Launcher for HostRun {
    fn shared_budget(&self) -> u32 {
        self.shared_budget
    }

    fn load(&mut self, problem: &Problem) -> Result<(), CudaError> {
        assert_eq!(problem.offsets.len(), OFFSET_WORDS);
        let mut body = Vec::new();
        words(&mut body, &problem.offsets);
        words(&mut body, &problem.queries);
        if let Some(t) = &problem.targets {
            words(&mut body, t);
        }
        self.body = body;
        self.n_queries = problem.n_queries;
        self.n_targets = problem.n_targets;
        self.same_set = problem.same_set();
        self.bitmaps = problem.bitmaps();
        Ok(())
    }

    fn launch(&mut self, l: &Launch) -> Result<Launched, CudaError> {
        static RUN: AtomicU64 = AtomicU64::new(0);
        let run = RUN.fetch_add(1, Ordering::Relaxed);
        let dir = self.exe.parent().unwrap();
        let input = dir.join(format!("launch-{run}.in"));
        let output = dir.join(format!("launch-{run}.out"));
        let header = [
            l.query_begin,
            l.query_end,
            self.n_queries,
            self.n_targets,
            u32::from(self.same_set),
            self.bitmaps,
            l.tile.words,
            l.tile.queries_per_block,
            l.max_bad,
            l.capacity,
            l.tile.block_threads,
            l.grid.0,
            l.grid.1,
            l.tile.shared_bytes,
            u32::from(self.reverse),
            0,
        ];
        let mut file = std::fs::File::create(&input).unwrap();
        let mut head = Vec::new();
        words(&mut head, &header);
        file.write_all(&head).unwrap();
        file.write_all(&self.body).unwrap();
        drop(file);
        let status = Command::new(self.exe)
            .arg(&input)
            .arg(&output)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&input);
        assert!(
            status.status.success(),
            "the host kernel failed on {l:?}:\n{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let bytes = std::fs::read(&output).unwrap();
        let _ = std::fs::remove_file(&output);
        let w: Vec<u32> = bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let found = u64::from(w[0]) | (u64::from(w[1]) << 32);
        assert_eq!(
            (w.len() - 3) as u64,
            3 * found.min(u64::from(l.capacity)),
            "records written"
        );
        Ok(Launched {
            found,
            overflow: w[2] != 0,
            // As from the device: records only when they all fitted.
            records: if found <= u64::from(l.capacity) {
                w[3..].to_vec()
            } else {
                Vec::new()
            },
        })
    }
}
