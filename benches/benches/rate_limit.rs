//! Per-request cost of auth-tower's `RateLimitLayer`: the bare service beside the same
//! service behind the layer (in-process GCRA, keyed by client IP), behind the layer with a
//! monthly quota (one `MemoryCounterStore::add` per request), and with the limit counted in a
//! shared store (`MemoryCounterStore`, the stand-in for Redis/SQL stores), in one run. After
//! criterion's report it prints the ratio layer / bare from interleaved rounds.
//!
//! `cargo bench -p auth-benches --bench rate_limit`

use std::convert::Infallible;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use auth_core::store::memory::MemoryCounterStore;
use auth_tower::endpoints::PeerAddr;
use auth_tower::rate_limit::{Limit, Plan, PlanLimits, Quota, RateLimitLayer};
use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http::{Request, Response};
use http_body_util::Full;
use tower::{Layer, Service, ServiceExt, service_fn};

/// Never reached in a bench run: the layer does all its work and always lets through.
const UNREACHABLE: Limit = Limit::per_second(1_000_000_000);

fn request() -> Request<()> {
    let mut request = Request::new(());
    request
        .extensions_mut()
        .insert(PeerAddr("192.0.2.1:50000".parse().unwrap()));
    request
}

fn send<S>(runtime: &tokio::runtime::Runtime, service: &S) -> u16
where
    S: Service<Request<()>, Response = Response<Full<Bytes>>, Error = Infallible> + Clone,
{
    runtime
        .block_on(service.clone().oneshot(request()))
        .unwrap()
        .status()
        .as_u16()
}

/// Mean time per request of `service` over `n` requests.
fn per_request<S>(runtime: &tokio::runtime::Runtime, service: &S, n: u32) -> f64
where
    S: Service<Request<()>, Response = Response<Full<Bytes>>, Error = Infallible> + Clone,
{
    let start = Instant::now();
    for _ in 0..n {
        black_box(send(runtime, service));
    }
    start.elapsed().as_secs_f64() / f64::from(n)
}

fn rate_limit(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let hello = service_fn(|_request: Request<()>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"hello"))))
    });
    let limited = RateLimitLayer::new(UNREACHABLE).name("api").layer(hello);
    let with_quota = RateLimitLayer::with_plans(PlanLimits::new(
        Plan::new()
            .limit(UNREACHABLE)
            .quota(Quota::monthly(u64::MAX)),
    ))
    .layer(hello);
    let shared = RateLimitLayer::new(UNREACHABLE)
        .shared(Arc::new(MemoryCounterStore::new()))
        .layer(hello);

    // Every variant must do its whole job on the request it is timed on.
    for service_status in [
        send(&runtime, &limited),
        send(&runtime, &with_quota),
        send(&runtime, &shared),
    ] {
        assert_eq!(service_status, 200);
    }
    let headers = runtime
        .block_on(limited.clone().oneshot(request()))
        .unwrap();
    assert!(headers.headers().contains_key("ratelimit"));
    let tight = RateLimitLayer::new(Limit::per_minute(1)).layer(hello);
    assert_eq!(send(&runtime, &tight), 200);
    assert_eq!(send(&runtime, &tight), 429);

    let mut group = c.benchmark_group("rate_limit_per_request");
    group.bench_function("bare service", |b| b.iter(|| send(&runtime, &hello)));
    group.bench_function("RateLimitLayer (in-process GCRA)", |b| {
        b.iter(|| send(&runtime, &limited))
    });
    group.bench_function("RateLimitLayer + monthly quota (MemoryCounterStore)", |b| {
        b.iter(|| send(&runtime, &with_quota))
    });
    group.bench_function("RateLimitLayer shared (MemoryCounterStore)", |b| {
        b.iter(|| send(&runtime, &shared))
    });
    group.finish();

    // The ratio, from interleaved rounds so that the machine's drift hits both alike.
    let (mut bare, mut layer) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        bare.push(per_request(&runtime, &hello, 200_000));
        layer.push(per_request(&runtime, &limited, 200_000));
    }
    let mut ratios: Vec<f64> = bare.iter().zip(&layer).map(|(b, l)| b / l).collect();
    ratios.sort_by(f64::total_cmp);
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    #[allow(clippy::print_stdout)] // the bench's result line
    {
        println!(
            "rate_limit: bare {:.0} ns, layer {:.0} ns per request (median of 7 interleaved \
             rounds); throughput ratio layer/bare = {:.3} (median per-round ratio)",
            median(&mut bare) * 1e9,
            median(&mut layer) * 1e9,
            ratios[ratios.len() / 2],
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(4));
    targets = rate_limit
}
criterion_main!(benches);
