//! The all-pairs parent–child exclusion filter of `lazo-index` on an NVIDIA GPU.
//!
//! A parent and a child share an allele at every locus barring mutation, so an all-pairs
//! screen first drops every pair with more than a few loci (`max_inconsistent`, at most 3)
//! where the two share no allele, and computes exact LRs only on the survivors. On the CPU
//! that is [`lazo_index::ExclusionFilter`]; here the same filter runs as a CUDA kernel over
//! the index's packed rows ([`lazo_index::ProfileIndex::live_rows`]), and the survivors go to
//! the same exact stage on the CPU ([`lazo_index::score_survivors`]). The two paths give the
//! same survivors, counts and LRs.
//!
//! - [`GpuScreen::new`] opens device 0 and compiles the kernel with NVRTC. The CUDA driver
//!   and NVRTC are loaded at run time, so this crate builds and its tests run on machines
//!   without CUDA; there `new` returns [`CudaError::NoDriver`] or [`CudaError::NoNvrtc`]
//!   (the libraries are probed before any CUDA call, which would otherwise panic).
//! - [`GpuScreen::screen`] is the filter over one index, with the output of
//!   [`lazo_index::ExclusionFilter::survivors`]; [`GpuScreen::filter`] the same over two
//!   sets of packed rows of one index; [`GpuScreen::screen_parent_child`] filter plus exact
//!   LRs, the output of [`lazo_index::screen_parent_child`].
//!
//! The kernel ([`KERNEL_SOURCE`]) is plain text in the common subset of C and CUDA C++: the
//! tests compile the very same text as C on the host ([`HOST_SHIM`] turns blocks and threads
//! into loops) and check it against the CPU filter, so its logic is tested where no GPU is.
//!
//! This is the only crate of the workspace allowed `unsafe`, in the two functions that probe
//! for the CUDA libraries and launch the kernel (`device.rs`).

mod device;
mod plan;

#[cfg(test)]
#[path = "../tests/cases/mod.rs"]
mod cases;
#[cfg(test)]
mod emulation;
#[cfg(test)]
mod tests;

use lazo_index::{
    FilterSurvivor, IndexError, PackedRow, ProfileIndex, ScreenConfig, ScreenHit, ScreenStats, Slot,
};

/// The kernel, as compiled by NVRTC after [`CUDA_PRELUDE`] and by the tests' C compiler
/// after [`HOST_SHIM`].
pub const KERNEL_SOURCE: &str = include_str!("kernel/exclusion_filter.cu");
/// The macros that make [`KERNEL_SOURCE`] CUDA C++.
pub const CUDA_PRELUDE: &str = include_str!("kernel/cuda_prelude.h");
/// The macros and functions that make [`KERNEL_SOURCE`] host C, blocks and threads as loops.
pub const HOST_SHIM: &str = include_str!("kernel/host_shim.h");
/// The kernel's entry point.
pub const KERNEL_NAME: &str = "lazo_exclusion_filter";

/// Why the GPU filter could not run.
#[derive(Debug, thiserror::Error)]
pub enum CudaError {
    #[error(
        "no CUDA driver library (libcuda) on this machine: the GPU screen needs an NVIDIA GPU and its driver"
    )]
    NoDriver,
    #[error(
        "the CUDA driver is installed but NVRTC (libnvrtc, CUDA 12 or 13) is not found; add the CUDA toolkit's lib64 to LD_LIBRARY_PATH"
    )]
    NoNvrtc,
    #[error("no usable CUDA device: {0}")]
    NoDevice(String),
    #[error("CUDA driver: {0}")]
    Driver(String),
    #[error("compiling the kernel with NVRTC: {0}")]
    Compile(String),
    #[error("invalid GPU screen parameters: {0}")]
    InvalidParams(String),
    #[error("invalid input to the GPU screen: {0}")]
    InvalidInput(String),
    /// The kernel returned something it never should: a bug, never a property of the data.
    #[error("the GPU kernel returned an impossible result: {0}")]
    KernelFault(String),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// How the filter is run. Only `max_inconsistent` changes the result; the rest is sizing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScreenParams {
    /// Loci where a pair shares no allele that a survivor may have (mutations), 0..=3.
    pub max_inconsistent: u8,
    /// Survivor records the device buffer holds (12 bytes each). A launch that finds more is
    /// run again in smaller pieces.
    pub survivor_capacity: u32,
    /// Queries per launch.
    pub query_chunk: u32,
    pub tiling: Tiling,
}

impl Default for ScreenParams {
    /// One inconsistent locus allowed (the CPU screen's default), 4 Mi survivor records
    /// (48 MiB), 64 Ki queries per launch.
    fn default() -> ScreenParams {
        ScreenParams {
            max_inconsistent: 1,
            survivor_capacity: 1 << 22,
            query_chunk: 1 << 16,
            tiling: Tiling::default(),
        }
    }
}

impl ScreenParams {
    /// The defaults with `max_inconsistent` inconsistent loci allowed.
    pub fn new(max_inconsistent: u8) -> ScreenParams {
        ScreenParams {
            max_inconsistent,
            ..ScreenParams::default()
        }
    }

    fn check(&self) -> Result<(), CudaError> {
        if self.max_inconsistent > plan::MAX_COUNTED {
            return Err(CudaError::InvalidParams(format!(
                "at most {} inconsistent loci can be allowed, not {}",
                plan::MAX_COUNTED,
                self.max_inconsistent
            )));
        }
        if self.survivor_capacity == 0 || self.query_chunk == 0 {
            return Err(CudaError::InvalidParams(
                "survivor_capacity and query_chunk must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// The kernel's block shape. The defaults suit an H100; the tests vary them to reach every
/// edge of the tiling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tiling {
    /// Threads per block: a multiple of 32, at most 1024.
    pub block_threads: u32,
    /// Queries per block; each block reuses its tile of targets for all of them.
    pub queries_per_block: u32,
    /// 32-bit words per bitmap in a tile (a tile is 32 × `words` targets): 1, 2, 4, 8, 16
    /// or 32, or `None` for the widest whose bitmaps fit in the device's shared memory.
    pub words: Option<u32>,
}

impl Default for Tiling {
    fn default() -> Tiling {
        Tiling {
            block_threads: 256,
            queries_per_block: 1024,
            words: None,
        }
    }
}

/// Which targets the queries are compared with.
#[derive(Clone, Copy, Debug)]
pub enum Targets<'a> {
    /// The queries themselves: each unordered pair once, `target > query`, no self pairs.
    SameSet,
    /// Another set, coded with the same allele dictionaries (the same index): every pair.
    Other(&'a [PackedRow]),
}

/// A surviving pair of row positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowPair {
    pub query: u32,
    pub target: u32,
    pub inconsistent_loci: u8,
}

/// The survivors of one filter run, sorted by (query, target), and how the run went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterRun {
    pub pairs: Vec<RowPair>,
    /// Kernel launches, re-runs included.
    pub launches: u32,
    /// Launches whose survivors overflowed the buffer and were run again in pieces.
    pub overflowed_launches: u32,
    /// Words per bitmap of the tile used (targets per block = 32 × words).
    pub words: u32,
    pub queries_per_block: u32,
}

/// Whether the CUDA driver and NVRTC libraries can be loaded here (nothing else is checked:
/// a machine can have both and no GPU).
pub fn cuda_libraries_present() -> bool {
    let (driver, nvrtc) = device::libraries_present();
    driver && nvrtc
}

/// An opened GPU with the filter kernel compiled for it.
#[derive(Debug)]
pub struct GpuScreen {
    device: device::Device,
}

impl GpuScreen {
    /// Opens CUDA device 0 and compiles the kernel for it. Without the CUDA libraries, or
    /// without a device, this is an error, never a panic.
    pub fn new() -> Result<GpuScreen, CudaError> {
        Ok(GpuScreen {
            device: device::Device::open(0)?,
        })
    }

    /// The device's name and compute capability, e.g. "NVIDIA H100 80GB HBM3 (sm_90)".
    pub fn device_name(&self) -> &str {
        self.device.description()
    }

    /// The filter over packed rows of one index: the pairs with at most
    /// `params.max_inconsistent` loci typed in both and sharing no allele.
    pub fn filter(
        &self,
        queries: &[PackedRow],
        targets: Targets<'_>,
        params: &ScreenParams,
    ) -> Result<FilterRun, CudaError> {
        let problem = plan::Problem::new(queries, targets)?;
        plan::run_filter(&mut self.device.runner(), &problem, params)
    }

    /// The filter over every pair of live profiles of an index: exactly
    /// [`lazo_index::ExclusionFilter::survivors`].
    pub fn screen(
        &self,
        index: &ProfileIndex,
        params: &ScreenParams,
    ) -> Result<Vec<FilterSurvivor>, CudaError> {
        screen_with(&mut self.device.runner(), index, params).map(|(survivors, _)| survivors)
    }

    /// The whole parent–child screen: the GPU filter, then the exact LRs and identity tests on
    /// the CPU. Gives what [`lazo_index::screen_parent_child`] gives, in the same order.
    pub fn screen_parent_child(
        &self,
        index: &ProfileIndex,
        config: &ScreenConfig<'_>,
        sink: impl FnMut(ScreenHit<'_>),
    ) -> Result<ScreenStats, CudaError> {
        let survivors = self.screen(index, &ScreenParams::new(config.max_inconsistent))?;
        Ok(lazo_index::score_survivors(
            index, config, &survivors, sink,
        )?)
    }
}

/// The filter over an index on any launcher, with row positions turned back into slots.
fn screen_with(
    launcher: &mut impl plan::Launcher,
    index: &ProfileIndex,
    params: &ScreenParams,
) -> Result<(Vec<FilterSurvivor>, FilterRun), CudaError> {
    let live = index.live_rows();
    let problem = plan::Problem::new(&live.rows, Targets::SameSet)?;
    let mut run = plan::run_filter(launcher, &problem, params)?;
    let slot = |n: u32| -> Slot { live.slots[n as usize] };
    let survivors = std::mem::take(&mut run.pairs)
        .into_iter()
        .map(|p| FilterSurvivor {
            first: slot(p.query),
            second: slot(p.target),
            inconsistent_loci: p.inconsistent_loci,
        })
        .collect();
    Ok((survivors, run))
}

/// A rough floor for the kernel's integer work: per locus and 32-target word its inner loop
/// issues about ten integer instructions (two code extractions, two shared-memory
/// addresses, one three-input logic operation for the failing bits, four for the counter),
/// i.e. 24 × 10 / 32 per pair. An estimate from the source, for `lazo bench`'s "limit"
/// column; not a measurement.
pub const INT32_OPS_PER_PAIR: f64 = 24.0 * 10.0 / 32.0;

/// Bytes of profiles the kernel reads from global memory for an all-pairs run over `n`
/// profiles of one set: each block reads its tile of targets and its queries once (48 bytes
/// per profile), about half the blocks having pairs. For `lazo bench`'s bandwidth floor.
pub fn global_bytes_one_set(n: u64, run: &FilterRun) -> f64 {
    let tile = 32.0 * f64::from(run.words.max(1));
    let queries = f64::from(run.queries_per_block.max(1));
    let n = n as f64;
    let blocks = (n / tile).ceil() * (n / queries).ceil() / 2.0;
    blocks * (tile + queries) * 48.0
}
