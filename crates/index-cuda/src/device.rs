//! The CUDA device through cudarc: opening it, compiling the kernel with NVRTC, buffers and
//! launches. The only `unsafe` of the workspace is here, in `libraries_present` and
//! `launch_filter`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use cudarc::driver::sys::{CUdevice_attribute, CUfunction_attribute, CUresult};
use cudarc::driver::{
    CudaContext, CudaFunction, CudaSlice, CudaStream, DriverError, LaunchConfig, PushKernelArg,
};
use cudarc::nvrtc::{CompileError, CompileOptions, compile_ptx_with_opts};

use crate::plan::{DEFAULT_SHARED_BYTES, Launch, Launched, Launcher, Problem};
use crate::{CUDA_PRELUDE, CudaError, KERNEL_NAME, KERNEL_SOURCE};

/// Whether the CUDA driver library and NVRTC can be loaded.
///
/// cudarc loads both lazily and panics on the first call when one is missing, so this runs
/// before any other CUDA call.
#[allow(unsafe_code)]
pub(crate) fn libraries_present() -> (bool, bool) {
    // SAFETY: each probe only tries to dlopen the library under its usual names and closes it
    // again. Loading runs the library's initialisers, as any use of CUDA does; no memory of
    // ours is handed to it and nothing is called through it.
    unsafe {
        (
            cudarc::driver::sys::is_culib_present(),
            cudarc::nvrtc::sys::is_culib_present(),
        )
    }
}

/// A CUDA context on one device with the filter kernel loaded.
pub(crate) struct Device {
    stream: Arc<CudaStream>,
    function: CudaFunction,
    description: String,
    /// Largest dynamic shared memory per block after opting in.
    shared_budget: u32,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("description", &self.description)
            .field("shared_budget", &self.shared_budget)
            .finish_non_exhaustive()
    }
}

impl Device {
    pub(crate) fn open(ordinal: usize) -> Result<Device, CudaError> {
        let (driver, nvrtc) = libraries_present();
        if !driver {
            return Err(CudaError::NoDriver);
        }
        if !nvrtc {
            return Err(CudaError::NoNvrtc);
        }
        // With both libraries present cudarc should not panic; should a symbol be missing from
        // an old driver it would, and a missing GPU must never abort the program.
        catch_unwind(AssertUnwindSafe(|| Device::open_checked(ordinal))).unwrap_or_else(|p| {
            let why = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err(CudaError::Driver(format!(
                "the CUDA bindings failed: {why}"
            )))
        })
    }

    fn open_checked(ordinal: usize) -> Result<Device, CudaError> {
        let ctx = CudaContext::new(ordinal).map_err(|e| match e.0 {
            CUresult::CUDA_ERROR_NO_DEVICE | CUresult::CUDA_ERROR_INVALID_DEVICE => {
                CudaError::NoDevice(format!("device {ordinal}: {e}"))
            }
            _ => driver(e),
        })?;
        let name = ctx.name().map_err(driver)?;
        let (major, minor) = ctx.compute_capability().map_err(driver)?;
        let optin = ctx
            .attribute(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)
            .map_err(driver)?;
        let options = CompileOptions {
            options: vec![format!("--gpu-architecture=compute_{major}{minor}")],
            name: Some("exclusion_filter.cu".into()),
            ..CompileOptions::default()
        };
        let ptx = compile_ptx_with_opts(format!("{CUDA_PRELUDE}\n{KERNEL_SOURCE}"), options)
            .map_err(compile_error)?;
        let module = ctx.load_module(ptx).map_err(driver)?;
        let function = module.load_function(KERNEL_NAME).map_err(driver)?;
        Ok(Device {
            stream: ctx.default_stream(),
            function,
            description: format!("{name} (sm_{major}{minor})"),
            shared_budget: u32::try_from(optin)
                .unwrap_or(DEFAULT_SHARED_BYTES)
                .max(DEFAULT_SHARED_BYTES),
        })
    }

    pub(crate) fn description(&self) -> &str {
        &self.description
    }

    /// A launcher holding one run's device buffers.
    pub(crate) fn runner(&self) -> DeviceRun<'_> {
        DeviceRun {
            device: self,
            input: None,
            out: None,
            shared_opted_in: DEFAULT_SHARED_BYTES,
        }
    }
}

fn driver(e: DriverError) -> CudaError {
    CudaError::Driver(e.to_string())
}

fn compile_error(e: CompileError) -> CudaError {
    match e {
        CompileError::CompileError { nvrtc, log, .. } => {
            CudaError::Compile(format!("{nvrtc:?}: {}", log.to_string_lossy()))
        }
        other => CudaError::Compile(other.to_string()),
    }
}

/// The problem on the device.
struct Input {
    queries: CudaSlice<u32>,
    /// `None` when the targets are the queries.
    targets: Option<CudaSlice<u32>>,
    offsets: CudaSlice<u32>,
    n_targets: u32,
    bitmaps: u32,
}

/// The kernel's outputs.
struct Output {
    records: CudaSlice<u32>,
    capacity: u32,
    found: CudaSlice<u64>,
    overflow: CudaSlice<u32>,
}

pub(crate) struct DeviceRun<'d> {
    device: &'d Device,
    input: Option<Input>,
    out: Option<Output>,
    shared_opted_in: u32,
}

impl Launcher for DeviceRun<'_> {
    fn shared_budget(&self) -> u32 {
        self.device.shared_budget
    }

    fn load(&mut self, problem: &Problem) -> Result<(), CudaError> {
        let stream = &self.device.stream;
        let targets = match &problem.targets {
            Some(t) => Some(stream.clone_htod(t).map_err(driver)?),
            None => None,
        };
        self.input = Some(Input {
            queries: stream.clone_htod(&problem.queries).map_err(driver)?,
            targets,
            offsets: stream.clone_htod(&problem.offsets[..]).map_err(driver)?,
            n_targets: problem.n_targets,
            bitmaps: problem.bitmaps(),
        });
        Ok(())
    }

    fn launch(&mut self, launch: &Launch) -> Result<Launched, CudaError> {
        let stream = &self.device.stream;
        let input = self
            .input
            .as_ref()
            .ok_or_else(|| CudaError::InvalidParams("launch before load".into()))?;
        if self
            .out
            .as_ref()
            .is_none_or(|o| o.capacity < launch.capacity)
        {
            self.out = None; // free the old buffer before allocating the larger one
            self.out = Some(Output {
                records: stream
                    .alloc_zeros::<u32>(3 * launch.capacity as usize)
                    .map_err(driver)?,
                capacity: launch.capacity,
                found: stream.alloc_zeros::<u64>(1).map_err(driver)?,
                overflow: stream.alloc_zeros::<u32>(1).map_err(driver)?,
            });
        }
        let Some(out) = self.out.as_mut() else {
            return Err(CudaError::InvalidParams("no output buffer".into()));
        };
        let shared = launch.tile.shared_bytes;
        if shared > self.shared_opted_in {
            self.device
                .function
                .set_attribute(
                    CUfunction_attribute::CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    i32::try_from(shared).unwrap_or(i32::MAX),
                )
                .map_err(driver)?;
            self.shared_opted_in = shared;
        }
        stream.memset_zeros(&mut out.found).map_err(driver)?;
        stream.memset_zeros(&mut out.overflow).map_err(driver)?;
        launch_filter(stream, &self.device.function, launch, input, out).map_err(driver)?;
        stream.synchronize().map_err(driver)?;
        let found = stream
            .clone_dtoh(&out.found)
            .map_err(driver)?
            .first()
            .copied()
            .unwrap_or(0);
        let overflow = stream
            .clone_dtoh(&out.overflow)
            .map_err(driver)?
            .first()
            .is_some_and(|&f| f != 0);
        let records = if found > 0 && found <= u64::from(launch.capacity) {
            let words = 3 * found as usize;
            stream
                .clone_dtoh(&out.records.slice(..words))
                .map_err(driver)?
        } else {
            Vec::new()
        };
        stream.synchronize().map_err(driver)?;
        Ok(Launched {
            found,
            overflow,
            records,
        })
    }
}

/// One launch of the kernel.
#[allow(unsafe_code)]
fn launch_filter(
    stream: &Arc<CudaStream>,
    function: &CudaFunction,
    launch: &Launch,
    input: &Input,
    out: &mut Output,
) -> Result<(), DriverError> {
    let config = LaunchConfig {
        grid_dim: (launch.grid.0, launch.grid.1, 1),
        block_dim: (launch.tile.block_threads, 1, 1),
        shared_mem_bytes: launch.tile.shared_bytes,
    };
    let same_set = u32::from(input.targets.is_none());
    let capacity = launch.capacity.min(out.capacity);
    let mut args = stream.launch_builder(function);
    args.arg(&input.queries)
        .arg(&launch.query_begin)
        .arg(&launch.query_end)
        .arg(input.targets.as_ref().unwrap_or(&input.queries))
        .arg(&input.n_targets)
        .arg(&input.offsets)
        .arg(&input.bitmaps)
        .arg(&launch.tile.words)
        .arg(&launch.tile.queries_per_block)
        .arg(&same_set)
        .arg(&launch.max_bad)
        .arg(&mut out.records)
        .arg(&capacity)
        .arg(&mut out.found)
        .arg(&mut out.overflow);
    // SAFETY: the arguments are, in order and type, the kernel's parameters (`unsigned int`
    // is u32, `unsigned long long` is u64, pointers are device buffers), and every buffer is
    // as large as the kernel reads or writes: queries hold 12 words for each of the
    // `query_end` ≤ n_queries profiles, targets 12 words for each of `n_targets`, offsets
    // the 25 entries whose last is `bitmaps`, built from these very rows so that every
    // allele code indexes a bitmap inside the tile; the kernel writes at most `capacity`
    // records of 3 words, and `capacity` ≤ the buffer's records; `found` and `overflow` are
    // one element each. Shared memory is `plan::shared_bytes(bitmaps, words)`, exactly what
    // the kernel carves up, and within the limit the function was opted in to. The launch
    // is on this stream, which orders it after the copies that filled the inputs and before
    // the reads of the outputs.
    unsafe { args.launch(config) }?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::plan;

    #[test]
    fn shared_memory_of_a_launch_matches_the_kernel_layout() {
        // The kernel puts `bitmaps * words` tile words, then the 24 loci's first bitmaps.
        assert_eq!(plan::shared_bytes(10, 4), (10 * 4 + 24) * 4);
    }
}
