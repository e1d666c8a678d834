mod category_mapper;
mod linear_classifier;
mod linear_regressor;
mod normalizer;
mod tree_ensemble_classifier;

use crate::model::OnnxOpRegister;

pub fn register_all_ops(reg: &mut OnnxOpRegister) {
    category_mapper::register_all_ops(reg);
    linear_classifier::register_all_ops(reg);
    linear_regressor::register_all_ops(reg);
    // mlcycle: its own `Normalizer` and `TreeEnsembleClassifier` replace these two (registered
    // after them, under the same names), so they are left out unless the feature
    // `ml-normalizer-and-trees` is on: a registered loader is linked even when replaced.
    #[cfg(feature = "ml-normalizer-and-trees")]
    normalizer::register_all_ops(reg);
    #[cfg(feature = "ml-normalizer-and-trees")]
    tree_ensemble_classifier::register_all_ops(reg);
}
