//! Call quality estimation with the E-model (ITU-T G.107): the transmission rating R from
//! one-way delay and packet loss for the codec in use, and the MOS that R maps to.

/// A codec's equipment impairment (G.113 Appendix I): `ie` and the packet-loss
/// robustness `bpl` (with its concealment).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Impairment {
    pub ie: f64,
    pub bpl: f64,
}

impl Impairment {
    /// G.711 with Appendix I concealment.
    pub const G711_PLC: Impairment = Impairment { ie: 0.0, bpl: 25.1 };
    /// G.722 and Opus are wideband; on the narrowband scale they rate at least as well.
    pub const WIDEBAND: Impairment = Impairment { ie: 0.0, bpl: 25.1 };
}

/// R from one-way mouth-to-ear delay (ms), loss (0–100 %) and burst ratio (1 = random).
pub fn r_factor(delay_ms: f64, loss_pct: f64, burst_ratio: f64, codec: Impairment) -> f64 {
    // Default R0 − Is (G.107 Table 3 defaults): 93.2.
    let ro_is = 93.2;
    // Id: delay impairment (the usual simplification of G.107 §7.3 for Ta = T = Tr/2).
    let d = delay_ms.max(0.0);
    let id = 0.024 * d + if d > 177.3 { 0.11 * (d - 177.3) } else { 0.0 };
    // Ie,eff (G.107 §7.4).
    let ppl = loss_pct.clamp(0.0, 100.0);
    let burst = burst_ratio.max(1.0);
    let ie_eff = codec.ie + (95.0 - codec.ie) * ppl / (ppl / burst + codec.bpl);
    (ro_is - id - ie_eff).clamp(0.0, 100.0)
}

/// MOS (conversational quality, 1.0–4.5) from R (G.107 Annex B).
pub fn mos_from_r(r: f64) -> f64 {
    if r <= 0.0 {
        1.0
    } else if r >= 100.0 {
        4.5
    } else {
        1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_points() {
        let clean = r_factor(0.0, 0.0, 1.0, Impairment::G711_PLC);
        assert!((clean - 93.2).abs() < 1e-9);
        assert!((mos_from_r(93.2) - 4.41).abs() < 0.01);
        // 150 ms one way and 1 % random loss: still "satisfied" users (R > 80).
        assert!(r_factor(150.0, 1.0, 1.0, Impairment::G711_PLC) > 80.0);
        // Heavy loss is poor.
        assert!(mos_from_r(r_factor(50.0, 20.0, 1.0, Impairment::G711_PLC)) < 3.0);
        // Bursty loss hurts more than random loss.
        assert!(
            r_factor(50.0, 5.0, 2.0, Impairment::G711_PLC)
                < r_factor(50.0, 5.0, 1.0, Impairment::G711_PLC)
        );
        assert_eq!(mos_from_r(-5.0), 1.0);
    }
}
