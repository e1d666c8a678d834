use crate::internal::*;
use tract_core::ops;

mod broadcast;
mod cast;
#[cfg(feature = "non-tabular-ops")]
mod clamped_swiglu;
#[cfg(feature = "complex")]
mod complex;
mod cumsum;
mod downsample;
mod dyn_slice;
mod einsum;
#[cfg(feature = "non-tabular-ops")]
mod fft;
mod gather;
mod gelu_approximate;
#[cfg(feature = "non-tabular-ops")]
mod grid_sample;
#[cfg(feature = "non-tabular-ops")]
mod gru_cell;
#[cfg(feature = "non-tabular-ops")]
mod gru_seq;
mod is_inf;
#[cfg(feature = "non-tabular-ops")]
mod lstm_cell;
mod matmul;
mod one_hot;
mod pow_const;
#[cfg(feature = "non-tabular-ops")]
mod qconv;
mod qmatmul;
mod range;
mod reduce;
#[cfg(feature = "non-tabular-ops")]
mod resize;
mod rms_norm;
mod scan;
mod scatter;
mod shape_of;
mod silu;
mod softmax;
mod source;
mod submodel;
mod topk;
mod trilu;

/// mlcycle: FFT/STFT, grid sampling, GRU and LSTM cells, quantized convolution, resize and
/// clamped SwiGLU are registered only with the feature `non-tabular-ops` (default off): each
/// registered loader kept its operator (rustfft, tract's convolutions) alive in mlcycle's full
/// wasm package, whose ONNX front end no longer creates them (vendor/README.md in mlcycle).
pub fn register(registry: &mut Registry) {
    registry.register_unit_element_wise("tract_core_round_even", &ops::math::RoundHalfToEven {});
    registry.register_unit_element_wise("tract_core_erf", &ops::math::Erf {});
    registry.register_unit_element_wise("tract_core_hard_swish", &ops::nn::HardSwish {});

    registry.register_binary("tract_core_xor", &ops::logic::Xor {});
    registry.register_binary("tract_core_bitand", &ops::logic::BitAnd {});
    registry.register_binary("tract_core_bitor", &ops::logic::BitOr {});
    registry.register_binary("tract_core_bitxor", &ops::logic::BitXor {});
    registry.register_unit_element_wise("tract_core_bitnot", &ops::logic::BitNot {});

    registry.register_unit_element_wise("tract_core_is_nan", &ops::math::IsNan {});

    registry.register_binary("tract_shl", &ops::math::ShiftLeft);
    registry.register_binary("tract_shr", &ops::math::ShiftRight);
    broadcast::register(registry);
    cast::register(registry);
    #[cfg(feature = "non-tabular-ops")]
    clamped_swiglu::register(registry);
    #[cfg(feature = "complex")]
    complex::register(registry);
    cumsum::register(registry);
    downsample::register(registry);
    dyn_slice::register(registry);
    einsum::register(registry);
    #[cfg(feature = "non-tabular-ops")]
    fft::register(registry);
    gather::register(registry);
    gelu_approximate::register(registry);
    pow_const::register(registry);
    #[cfg(feature = "non-tabular-ops")]
    grid_sample::register(registry);
    #[cfg(feature = "non-tabular-ops")]
    gru_cell::register(registry);
    #[cfg(feature = "non-tabular-ops")]
    gru_seq::register(registry);
    #[cfg(feature = "non-tabular-ops")]
    lstm_cell::register(registry);
    matmul::register(registry);
    one_hot::register(registry);
    #[cfg(feature = "non-tabular-ops")]
    qconv::register(registry);
    qmatmul::register(registry);
    reduce::register(registry);
    #[cfg(feature = "non-tabular-ops")]
    resize::register(registry);
    // Not gated: tract-core's declutter recognizes RmsNorm inside an ONNX LayerNormalization.
    rms_norm::register(registry);
    scan::register(registry);
    scatter::register(registry);
    shape_of::register(registry);
    silu::register(registry);
    softmax::register(registry);
    source::register(registry);
    submodel::register(registry);
    range::register(registry);
    topk::register(registry);
    trilu::register(registry);
    is_inf::register(registry);
}
