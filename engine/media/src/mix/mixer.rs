//! Applies a mix plan to one frame: accumulate in 32 bits, saturate to 16 (never wrap).
//! Runs on the media loop, so it works in a buffer allocated at construction only.

use super::plan::MixPlan;

/// Mixes frames of up to `max_frame` samples.
#[derive(Debug)]
pub struct Mixer {
    acc: Vec<i32>,
}

impl Mixer {
    pub fn new(max_frame: usize) -> Self {
        Mixer { acc: vec![0; max_frame] }
    }

    /// Writes each sink of `plan` from `sources`. Sources and sinks must have the same
    /// length (at most `max_frame`); missing nodes count as silence.
    pub fn mix(&mut self, plan: &MixPlan, sources: &[&[i16]], sinks: &mut [&mut [i16]]) {
        for (sink_index, sink) in sinks.iter_mut().enumerate() {
            let n = sink.len().min(self.acc.len());
            let acc = self.acc.get_mut(..n).unwrap_or(&mut []);
            acc.fill(0);
            for link in plan.links.iter().filter(|l| l.sink == sink_index) {
                let Some(src) = sources.get(link.source) else { continue };
                if link.gain == 1.0 {
                    for (a, &s) in acc.iter_mut().zip(src.iter()) {
                        *a += i32::from(s);
                    }
                } else {
                    let g = (link.gain * 65536.0) as i64;
                    for (a, &s) in acc.iter_mut().zip(src.iter()) {
                        *a = a.saturating_add(((i64::from(s) * g) >> 16) as i32);
                    }
                }
            }
            for (o, &a) in sink.iter_mut().zip(acc.iter()) {
                *o = a.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::plan::{AgentNodes as N, MixPlan, MonitorMode};
    use super::*;

    // Distinct levels make each sum identify its sources: A = 1, C = 10, S = 100.
    const A: i16 = 1;
    const C: i16 = 10;
    const S: i16 = 100;

    fn run(plan: &MixPlan) -> [i16; 3] {
        let mut m = Mixer::new(4);
        let (a, c, s) = ([A; 4], [C; 4], [S; 4]);
        let (mut ear, mut cust, mut sup) = ([0i16; 4], [0i16; 4], [0i16; 4]);
        m.mix(plan, &[&a, &c, &s], &mut [&mut ear, &mut cust, &mut sup]);
        [ear[0], cust[0], sup[0]]
    }

    /// DESIGN.md's table, row by row: [earpiece, to customer, to supervisor].
    #[test]
    fn golden_monitoring_plans() {
        assert_eq!(run(&MixPlan::agent(MonitorMode::None, false)), [C, A, 0]);
        assert_eq!(run(&MixPlan::agent(MonitorMode::Listen, false)), [C, A, A + C]);
        assert_eq!(run(&MixPlan::agent(MonitorMode::Whisper, false)), [C + S, A, A + C]);
        assert_eq!(run(&MixPlan::agent(MonitorMode::Barge, false)), [C + S, A + S, A + C]);
        // The customer on hold leaves every sink and hears nothing.
        assert_eq!(run(&MixPlan::agent(MonitorMode::Barge, true)), [S, 0, A]);
        assert_eq!(run(&MixPlan::agent(MonitorMode::Listen, true)), [0, 0, A]);
        // The supervisor never hears themselves.
        for mode in [MonitorMode::Listen, MonitorMode::Whisper, MonitorMode::Barge] {
            assert!(!MixPlan::agent(mode, false).hears(N::TO_SUPERVISOR, N::SUPERVISOR));
        }
    }

    #[test]
    fn conference_is_n_minus_one() {
        let plan = MixPlan::conference(3);
        let mut m = Mixer::new(2);
        let src: [[i16; 2]; 4] = [[1; 2], [10; 2], [100; 2], [1000; 2]];
        let mut out = [[0i16; 2]; 4];
        {
            let [o0, o1, o2, o3] = &mut out;
            m.mix(&plan, &[&src[0], &src[1], &src[2], &src[3]], &mut [o0, o1, o2, o3]);
        }
        assert_eq!(out.map(|o| o[0]), [1110, 1101, 1011, 111]);
    }

    #[test]
    fn saturates_and_applies_gain() {
        let plan = MixPlan::new(2, 1).link(0, 0).link(1, 0);
        let mut m = Mixer::new(3);
        let mut out = [0i16; 3];
        m.mix(&plan, &[&[30000, -30000, 100], &[30000, -30000, 50]], &mut [&mut out]);
        assert_eq!(out, [i16::MAX, i16::MIN, 150]);
        let half = MixPlan {
            sources: 1,
            sinks: 1,
            links: vec![super::super::plan::Link { source: 0, sink: 0, gain: 0.5 }],
        };
        let mut out = [0i16; 1];
        m.mix(&half, &[&[1000]], &mut [&mut out]);
        assert_eq!(out, [500]);
    }
}
