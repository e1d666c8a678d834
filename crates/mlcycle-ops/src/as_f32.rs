//! An f32 view of a tensor that does not enter tract's generic cast when there is nothing to
//! cast.
//!
//! tract's `Tensor::cast_to::<f32>()` returns an f32 tensor as it is, but decides so inside
//! `cast_to_dt`, one function holding the conversions between every pair of datum types:
//! 39 kB of wasm that V8 compiles on its first call, which was the first prediction of every
//! model (the output and the tree, SVM and kNN inputs are f32 almost always). Checking the
//! type first leaves that function uncompiled in a cold start (issue 17).

use std::borrow::Cow;
use tract_nnef::internal::*;

/// `t` as f32: borrowed when it already is, else tract's cast.
pub fn as_f32(t: &Tensor) -> TractResult<Cow<'_, Tensor>> {
    if t.datum_type() == f32::datum_type() {
        Ok(Cow::Borrowed(t))
    } else {
        t.cast_to::<f32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_f32_and_casts_the_rest() {
        let f = tensor1(&[1.5f32, -2.0]);
        assert!(matches!(as_f32(&f).unwrap(), Cow::Borrowed(_)));
        let d = tensor1(&[1.5f64, -2.0]);
        let cast = as_f32(&d).unwrap();
        assert!(matches!(cast, Cow::Owned(_)));
        let plain = cast.try_as_plain_ram().unwrap();
        assert_eq!(plain.as_slice::<f32>().unwrap(), &[1.5f32, -2.0]);
    }
}
