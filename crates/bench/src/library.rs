//! `tandem-bench docs` and `tandem-bench files` (issue 13):
//! - docs: N editors type into one co-edited document over its WebSocket (the Yjs protocol,
//!   yrs clients); for every edit, the time until each other editor has it. Then M more
//!   documents are opened, one editor each, and the server's resident memory per open
//!   document is measured.
//! - files: a file of S MiB uploaded (one multipart request, and resumably in 8 MiB tus
//!   requests) and downloaded, each timed against `cp` of the same file on the same disk,
//!   with the server's resident memory sampled throughout (no file held in memory).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;
use yrs::sync::Message;
use yrs::sync::protocol::SyncMessage;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, ReadTxn, Text, Transact, Update};

use crate::api::{Api, Res, ms, pct, rss_kib, run_id, sorted};

pub struct DocsArgs {
    pub url: String,
    pub admin_email: String,
    pub admin_password: String,
    pub editors: usize,
    pub edits: usize,
    pub interval: Duration,
    pub open_docs: usize,
    pub server_pid: Option<u32>,
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str, doc: Uuid, token: &str) -> Res<Socket> {
    let ws = url.replacen("http", "ws", 1);
    let mut req = format!("{ws}/api/v1/ws/docs/{doc}").into_client_request()?;
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", format!("bearer.{token}").parse()?);
    Ok(tokio_tungstenite::connect_async(req).await?.0)
}

/// A client document counting offsets as JavaScript does (as the server does).
fn utf16_doc() -> Doc {
    Doc::with_options(yrs::Options {
        offset_kind: yrs::OffsetKind::Utf16,
        ..yrs::Options::default()
    })
}

/// Syncs a fresh client with the document (until the server's step 2).
async fn sync(ws: &mut Socket, doc: &Doc) -> Res<()> {
    let sv = doc.transact().state_vector();
    ws.send(Frame::binary(
        Message::Sync(SyncMessage::SyncStep1(sv)).encode_v1(),
    ))
    .await?;
    loop {
        let f = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await?
            .ok_or("socket closed")??;
        let Frame::Binary(b) = f else { continue };
        match Message::decode_v1(&b)? {
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                let d = doc.transact().encode_state_as_update_v1(&sv);
                ws.send(Frame::binary(
                    Message::Sync(SyncMessage::SyncStep2(d)).encode_v1(),
                ))
                .await?;
            }
            Message::Sync(SyncMessage::SyncStep2(u)) => {
                doc.transact_mut().apply_update(Update::decode_v1(&u)?)?;
                return Ok(());
            }
            _ => {}
        }
    }
}

/// Edits sent: (sender's client id, its clock after the edit) → when it was sent.
type Pending = Arc<Mutex<BTreeMap<(u64, u32), Instant>>>;

pub async fn docs(a: DocsArgs) -> Res<Value> {
    let api = Api::new(&a.url)?;
    let admin = api.login(&a.admin_email, &a.admin_password).await?;
    let run = run_id();
    let dept = api.department(&admin, &format!("文档部{run}")).await?;
    let project = api.project(&admin, dept, &format!("协作{run}")).await?;
    let r = api
        .must(
            Method::POST,
            &format!("/projects/{project}/docs"),
            Some(&admin),
            Some(&json!({ "name": format!("共同编辑{run}.md"), "content": "# 共同编辑\n" })),
            None,
        )
        .await?;
    let doc: Uuid = r.body["file"]["id"].as_str().ok_or("no doc id")?.parse()?;
    // Memory per open document: M more documents, one editor each, ~10 KB of text.
    let mut per_doc_kib = None;
    if let Some(pid) = a.server_pid {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = rss_kib(pid)?;
        let mut held = Vec::new();
        let body = "这一段是会议纪要的正文，记录讨论的要点与结论。".repeat(120);
        for n in 0..a.open_docs {
            let r = api
                .must(
                    Method::POST,
                    &format!("/projects/{project}/docs"),
                    Some(&admin),
                    Some(&json!({ "name": format!("纪要{n}.md"), "content": body })),
                    None,
                )
                .await?;
            let id: Uuid = r.body["file"]["id"].as_str().ok_or("no id")?.parse()?;
            let d = utf16_doc();
            let mut ws = connect(&a.url, id, &admin).await?;
            sync(&mut ws, &d).await?;
            held.push(ws);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = rss_kib(pid)?;
        let each = after.saturating_sub(before) as f64 / a.open_docs.max(1) as f64;
        println!(
            "server memory: {} open documents (~{} KB of text each, one editor each) took {:.0} KiB each",
            a.open_docs,
            body.len() / 1024,
            each
        );
        per_doc_kib = Some(each);
        drop(held);
        // Let the rooms close before the latency run.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "{} editors on one document, {} edits each every {} ms",
        a.editors,
        a.edits,
        a.interval.as_millis()
    );
    let pending: Pending = Arc::new(Mutex::new(BTreeMap::new()));
    let samples: Arc<Mutex<Vec<f64>>> = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    // Every editor is connected and synced before anyone types.
    let mut ready = Vec::new();
    for _ in 0..a.editors {
        let d = utf16_doc();
        let mut ws = connect(&a.url, doc, &admin).await?;
        sync(&mut ws, &d).await?;
        ready.push((ws, d));
    }
    let start = Arc::new(tokio::sync::Barrier::new(a.editors));
    for (i, (ws, d)) in ready.into_iter().enumerate() {
        let (pending, samples, start) = (pending.clone(), samples.clone(), start.clone());
        let (edits, interval, editors) = (a.edits, a.interval, a.editors);
        tasks.push(tokio::spawn(async move {
            editor(i, ws, d, edits, interval, editors, pending, samples, start).await
        }));
    }
    for t in tasks {
        t.await??;
    }
    let lat = sorted(samples.lock().map(|s| s.clone()).unwrap_or_default());
    let expected = a.editors * a.edits * (a.editors - 1);
    println!(
        "remote update latency: p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms  ({} of {} deliveries)",
        pct(&lat, 50.0),
        pct(&lat, 95.0),
        pct(&lat, 99.0),
        lat.len(),
        expected
    );
    let p95 = pct(&lat, 95.0);
    println!(
        "target: p95 <= 100 ms ... {}",
        if p95 <= 100.0 { "met" } else { "MISSED" }
    );

    Ok(json!({
        "editors": a.editors,
        "edits_each": a.edits,
        "deliveries": lat.len(),
        "expected_deliveries": expected,
        "p50_ms": ms(pct(&lat, 50.0)),
        "p95_ms": ms(p95),
        "p99_ms": ms(pct(&lat, 99.0)),
        "kib_per_open_document": per_doc_kib.map(|v| v.round()),
    }))
}

#[allow(clippy::too_many_arguments)]
async fn editor(
    i: usize,
    ws: Socket,
    doc: Doc,
    edits: usize,
    interval: Duration,
    editors: usize,
    pending: Pending,
    samples: Arc<Mutex<Vec<f64>>>,
    start: Arc<tokio::sync::Barrier>,
) -> Res<()> {
    let (mut tx, mut rx) = ws.split();
    let text = doc.get_or_insert_text("content");
    let me = doc.client_id().get();
    let doc_rx = doc.clone();
    let sent_log = pending.clone();
    // Receiving: apply each update, then note every pending edit this client now has.
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let reader = tokio::spawn(async move {
        let mut got = 0usize;
        let mut seen: HashMap<u64, u32> = HashMap::new();
        let want = edits * (editors - 1);
        while got < want {
            let Ok(Some(Ok(f))) = tokio::time::timeout(Duration::from_secs(30), rx.next()).await
            else {
                break;
            };
            let Frame::Binary(b) = f else { continue };
            let Ok(Message::Sync(SyncMessage::Update(u))) = Message::decode_v1(&b) else {
                continue;
            };
            let now = Instant::now();
            let Ok(update) = Update::decode_v1(&u) else {
                continue;
            };
            let _ = doc_rx.transact_mut().apply_update(update);
            let sv = doc_rx.transact().state_vector();
            // The edits this update completed: per sender, the clocks between what this
            // editor had before and has now.
            if let Ok(p) = pending.lock() {
                for (client, clock) in sv.iter() {
                    let c = client.get();
                    if c == me {
                        continue;
                    }
                    let had = *seen.get(&c).unwrap_or(&0);
                    if *clock <= had {
                        continue;
                    }
                    for (_, sent) in p.range((c, had + 1)..=(c, *clock)) {
                        if let Ok(mut s) = samples.lock() {
                            s.push(now.duration_since(*sent).as_secs_f64() * 1000.0);
                        }
                        got += 1;
                    }
                    seen.insert(c, *clock);
                }
            }
            let _ = seen_tx.send(());
        }
    });
    start.wait().await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(i as u64);
    // Spread the editors' first keystrokes over one interval.
    tokio::time::sleep(interval.mul_f64(i as f64 / editors as f64)).await;
    for n in 0..edits {
        let (update, clock) = {
            let mut txn = doc.transact_mut();
            let len = text.len(&txn);
            let at = rng.gen_range(0..=len);
            text.insert(&mut txn, at, &format!("{i}·{n} "));
            let clock = txn.state_vector().get(&doc.client_id());
            (txn.encode_update_v1(), clock)
        };
        if let Ok(mut p) = sent_log.lock() {
            p.insert((me, clock), Instant::now());
        }
        tx.send(Frame::binary(
            Message::Sync(SyncMessage::Update(update)).encode_v1(),
        ))
        .await?;
        while seen_rx.try_recv().is_ok() {}
        tokio::time::sleep(interval).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(30), reader).await;
    let _ = tx.close().await;
    Ok(())
}

pub struct FilesArgs {
    pub url: String,
    pub admin_email: String,
    pub admin_password: String,
    pub mib: usize,
    /// Where the test file is written (on the server's disk).
    pub dir: PathBuf,
    pub server_pid: Option<u32>,
}

/// Samples a process's resident memory every 20 ms until stopped; the highest seen.
fn sample_rss(
    pid: Option<u32>,
) -> (
    Arc<std::sync::atomic::AtomicBool>,
    tokio::task::JoinHandle<u64>,
) {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let handle = tokio::spawn(async move {
        let mut peak = 0;
        while !flag.load(std::sync::atomic::Ordering::Relaxed) {
            if let Some(pid) = pid {
                peak = peak.max(rss_kib(pid).unwrap_or(0));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        peak
    });
    (stop, handle)
}

async fn peak(
    s: (
        Arc<std::sync::atomic::AtomicBool>,
        tokio::task::JoinHandle<u64>,
    ),
) -> u64 {
    s.0.store(true, std::sync::atomic::Ordering::Relaxed);
    s.1.await.unwrap_or(0)
}

pub async fn files(a: FilesArgs) -> Res<Value> {
    let api = Api::new(&a.url)?;
    let admin = api.login(&a.admin_email, &a.admin_password).await?;
    let run = run_id();
    let dept = api.department(&admin, &format!("文件部{run}")).await?;
    let project = api.project(&admin, dept, &format!("文件{run}")).await?;
    let size = a.mib * 1024 * 1024;
    std::fs::create_dir_all(&a.dir)?;
    let src = a.dir.join(format!("bench-{run}.bin"));
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&src)?);
        let mut rng = rand::rngs::StdRng::seed_from_u64(13);
        let mut block = vec![0u8; 1024 * 1024];
        for _ in 0..a.mib {
            rng.fill(block.as_mut_slice());
            f.write_all(&block)?;
        }
        f.flush()?;
    }
    // cp of the same file on the same disk, flushed to it as the server flushes a blob
    // (`sync FILE`), the source's page cache warm as the upload's is. Every figure here is the
    // median of three runs: one run swings by a third on a shared two-core machine (the first
    // upload into a fresh server also pays for its allocator's first pages).
    let copy = a.dir.join(format!("bench-{run}.copy"));
    let mut cps = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let copied = std::process::Command::new("cp")
            .arg(&src)
            .arg(&copy)
            .status()?;
        let synced = std::process::Command::new("sync").arg(&copy).status()?;
        cps.push(t.elapsed().as_secs_f64());
        if !copied.success() || !synced.success() {
            return Err("cp failed".into());
        }
        std::fs::remove_file(&copy)?;
    }
    let cp_s = median(cps);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()?;
    let base = a.url.trim_end_matches('/');
    let baseline = a.server_pid.map(rss_kib).transpose()?.unwrap_or(0);

    // One multipart request, streamed from the file.
    let rss = sample_rss(a.server_pid);
    let mut ups = Vec::new();
    let mut id = String::new();
    for n in 0..RUNS {
        let t = Instant::now();
        let file = tokio::fs::File::open(&src).await?;
        let stream = tokio_util::io::ReaderStream::with_capacity(file, 1024 * 1024);
        let part = reqwest::multipart::Part::stream_with_length(
            reqwest::Body::wrap_stream(stream),
            size as u64,
        )
        .file_name(format!("发布会录像-{n}.bin"));
        let resp = http
            .post(format!("{base}/api/v1/projects/{project}/files"))
            .bearer_auth(&admin)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await?;
        ups.push(t.elapsed().as_secs_f64());
        if !resp.status().is_success() {
            return Err(format!("upload: {} {}", resp.status(), resp.text().await?).into());
        }
        let body: Value = resp.json().await?;
        if n == 0 {
            id = body["id"].as_str().ok_or("no file id")?.to_owned();
        }
    }
    let up_s = median(ups);
    let up_peak = peak(rss).await;

    // Resumable: tus, 8 MiB a request.
    let rss = sample_rss(a.server_pid);
    let t = Instant::now();
    let b64 = |s: &str| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(s)
    };
    let meta = format!(
        "filename {},project_id {}",
        b64("发布会录像-续传.bin"),
        b64(&project.to_string())
    );
    let created = http
        .post(format!("{base}/api/v1/uploads"))
        .bearer_auth(&admin)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", size.to_string())
        .header("Upload-Metadata", meta)
        .send()
        .await?;
    let location = created
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or("no upload location")?
        .to_owned();
    let mut f = tokio::fs::File::open(&src).await?;
    let chunk = 8 * 1024 * 1024;
    let mut offset = 0usize;
    let mut buf = vec![0u8; chunk];
    while offset < size {
        use tokio::io::AsyncReadExt;
        let n = (size - offset).min(chunk);
        f.read_exact(&mut buf[..n]).await?;
        let r = http
            .patch(format!("{base}{location}"))
            .bearer_auth(&admin)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(buf[..n].to_vec())
            .send()
            .await?;
        if r.status() != 204 {
            return Err(format!("tus: {} {}", r.status(), r.text().await?).into());
        }
        offset += n;
    }
    let tus_s = t.elapsed().as_secs_f64();
    let tus_peak = peak(rss).await;

    // Download, streamed to a file beside the source.
    let rss = sample_rss(a.server_pid);
    let out = a.dir.join(format!("bench-{run}.down"));
    let mut downs = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let resp = http
            .get(format!("{base}/api/v1/files/{id}/content"))
            .bearer_auth(&admin)
            .send()
            .await?;
        let mut stream = resp.bytes_stream();
        let mut w = tokio::fs::File::create(&out).await?;
        let mut got = 0usize;
        while let Some(piece) = stream.next().await {
            use tokio::io::AsyncWriteExt;
            let piece = piece?;
            got += piece.len();
            w.write_all(&piece).await?;
        }
        {
            use tokio::io::AsyncWriteExt;
            w.flush().await?;
        }
        downs.push(t.elapsed().as_secs_f64());
        std::fs::remove_file(&out)?;
        if got != size {
            return Err(format!("downloaded {got} of {size} bytes").into());
        }
    }
    let down_s = median(downs);
    let down_peak = peak(rss).await;
    std::fs::remove_file(&src)?;
    let mib = a.mib as f64;
    let ratio = |s: f64| cp_s / s;
    println!(
        "{} MiB: cp + sync {:.2} s ({:.0} MiB/s)",
        a.mib,
        cp_s,
        mib / cp_s
    );
    for (what, s) in [
        ("upload, one request", up_s),
        ("upload, tus 8 MiB requests", tus_s),
        ("download", down_s),
    ] {
        println!(
            "  {what:<28} {s:.2} s ({:.0} MiB/s)  ratio to cp {:.2}",
            mib / s,
            ratio(s)
        );
    }
    let worst = ratio(up_s).min(ratio(down_s));
    println!(
        "target: upload and download at least half cp's speed (ratio >= 0.5) ... {}",
        if worst >= 0.5 { "met" } else { "MISSED" }
    );
    if a.server_pid.is_some() {
        println!(
            "server resident memory: {} MiB before; peak {} MiB uploading, {} MiB resumably, {} MiB downloading",
            baseline / 1024,
            up_peak / 1024,
            tus_peak / 1024,
            down_peak / 1024
        );
    }
    Ok(json!({
        "mib": a.mib,
        "cp_s": (cp_s * 100.0).round() / 100.0,
        "upload_s": (up_s * 100.0).round() / 100.0,
        "tus_s": (tus_s * 100.0).round() / 100.0,
        "download_s": (down_s * 100.0).round() / 100.0,
        "upload_ratio": (ratio(up_s) * 100.0).round() / 100.0,
        "download_ratio": (ratio(down_s) * 100.0).round() / 100.0,
        "rss_baseline_mib": baseline / 1024,
        "rss_peak_upload_mib": up_peak / 1024,
        "rss_peak_tus_mib": tus_peak / 1024,
        "rss_peak_download_mib": down_peak / 1024,
    }))
}

/// Runs of each timed step of the file benchmark.
const RUNS: usize = 3;

/// The middle value (the upper one of two).
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}
