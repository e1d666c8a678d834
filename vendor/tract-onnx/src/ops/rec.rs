use crate::model::OnnxOpRegister;

pub mod common;
pub mod gru;
pub mod lstm;
pub mod rnn;
pub mod scan;

pub fn register_all_ops(reg: &mut OnnxOpRegister) {
    #[cfg(feature = "non-tabular-ops")]
    reg.insert("GRU", gru::gru);
    #[cfg(feature = "non-tabular-ops")]
    reg.insert("LSTM", lstm::lstm);
    #[cfg(feature = "non-tabular-ops")]
    reg.insert("RNN", rnn::rnn);
    reg.insert("Scan", scan::scan);
}
