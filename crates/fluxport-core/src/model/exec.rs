//! How per-file work is run: on every core when the core is built with the `parallel`
//! feature (the native CLI) and [`Options::parallel`](super::options::Options::parallel)
//! is on, else in one thread (the wasm build, `--threads 1`). Results come back in
//! input order either way, so the output does not depend on how it was computed
//! (`tests/parallel.rs` compares the two over the corpus).

/// `f` over every item, results in the order of `items`.
pub fn map_ordered<T, R, F>(items: &[T], parallel: bool, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    #[cfg(feature = "parallel")]
    if parallel && items.len() > 1 {
        use rayon::prelude::*;
        // Indexed collect: rayon writes each result at its item's position.
        return items.par_iter().map(f).collect();
    }
    let _ = parallel;
    items.iter().map(f).collect()
}

/// Whether this build can run per-file work in parallel at all.
pub const fn available() -> bool {
    cfg!(feature = "parallel")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_input_order_both_ways() {
        let items: Vec<u32> = (0..10_000).collect();
        let seq = map_ordered(&items, false, |x| x * 3);
        let par = map_ordered(&items, true, |x| x * 3);
        assert_eq!(seq, par);
        assert_eq!(seq[9_999], 29_997);
    }
}
