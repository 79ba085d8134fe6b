//! Without CUDA, opening the GPU is an error, never a panic: cudarc panics on the first call
//! into a library it cannot load, so the crate probes for the libraries first.

#![allow(clippy::unwrap_used)]

use lazo_index_cuda::{CudaError, GpuScreen, cuda_libraries_present};

#[test]
fn opening_the_gpu_never_panics() {
    let Ok(first) = std::panic::catch_unwind(GpuScreen::new) else {
        panic!("GpuScreen::new panicked");
    };
    match &first {
        Ok(gpu) => eprintln!("a GPU is present: {}", gpu.device_name()),
        Err(e) => {
            eprintln!("no GPU here: {e}");
            if !cuda_libraries_present() {
                assert!(
                    matches!(e, CudaError::NoDriver | CudaError::NoNvrtc),
                    "{e:?}"
                );
            }
        }
    }
    // A second try gives the same answer: nothing half-initialised is left behind.
    let Ok(second) = std::panic::catch_unwind(GpuScreen::new) else {
        panic!("GpuScreen::new panicked the second time");
    };
    assert_eq!(first.is_ok(), second.is_ok());
}

/// The trap the probe avoids is real: where the driver library is missing, cudarc's own
/// context creation panics.
#[test]
fn without_the_probe_cudarc_would_panic() {
    if cuda_libraries_present() {
        eprintln!("the CUDA libraries are present: nothing to show here");
        return;
    }
    let direct = std::panic::catch_unwind(|| cudarc::driver::CudaContext::new(0).map(|_| ()));
    assert!(direct.is_err(), "cudarc no longer panics without libcuda");
}
