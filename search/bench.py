"""Search benchmarks (scripts that print figures, not tests).

  python -m search.bench relevance --docs docs.jsonl --queries queries.jsonl --engine embedded|elasticsearch
  python -m search.bench relevance --docs docs.jsonl --queries eval.jsonl --replay train.jsonl --engine both
  python -m search.bench relevance --docs docs.jsonl --queries queries.jsonl --halves --engine both
  python -m search.bench relevance --docs docs.jsonl --queries queries.jsonl --same-docs --engine both
  python -m search.bench latency --docs 10000 [--engine embedded|elasticsearch|both] [--learned]
  python -m search.bench latency --docs 10000 --engine postgresql --database-url postgres://…/empty_db
  python -m search.bench analytics --searches 500000

Both index into throwaway storage: a temporary SQLite file for the embedded
engine (never the project database), a temporary index prefix on the
Elasticsearch node (deleted afterwards). Relevance documents are shaped as an imported
article is indexed (``search.documents.library_document``). The relevance run also computes a
character-bigram BM25 baseline (k1=1.2, b=0.75, title + body) in pure Python.
The latency run times one client, then 8 concurrent clients twice: as threads
of this process and as 8 forked processes with their own connections. Each row also gives the CPU
a query took: the clients' (process time) + the search server's (Elasticsearch node stats; 0 for
the embedded engine, whose work is the client's). With ``--learned`` the engine alone and with the
reranker take turns (``--rounds``) and a line gives the reranker's ratios.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import math
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    import django

    django.setup()
    from . import analysis

    analysis.vocabulary.enabled = False  # no database vocabulary: the benchmark is self-contained


def _engine(name: str, tmpdir: str):
    if name == "embedded":
        from .engines.embedded import EmbeddedEngine

        return EmbeddedEngine(sqlite_path=os.path.join(tmpdir, "bench.sqlite3"))
    if name == "postgresql":  # the embedded engine on the Django database (--database-url)
        from .engines.embedded import EmbeddedEngine

        return EmbeddedEngine()
    from django.conf import settings

    from .engines.elasticsearch import ElasticsearchEngine

    cfg = settings.BANCHENG_SEARCH
    return ElasticsearchEngine(
        url=cfg.get("ES_URL", "http://127.0.0.1:9200"),
        prefix=f"bench-{uuid.uuid4().hex[:8]}",
        shards=1,
        replicas=0,
    )


# --- relevance ------------------------------------------------------------------


def score(queries, run, k=10):
    ndcg = mrr = recall = 0.0
    for q in queries:
        relevant = set(q["relevant"])
        ranked = run.get(q["query"], [])[:k]
        dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked) if d in relevant)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
        ndcg += dcg / ideal
        mrr += next((1 / (i + 1) for i, d in enumerate(ranked) if d in relevant), 0.0)
        recall += len(relevant & set(ranked)) / len(relevant)
    n = len(queries) or 1
    return {"ndcg@10": ndcg / n, "mrr@10": mrr / n, "recall@10": recall / n}


_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[a-z0-9]+")


def _bigrams(text: str) -> list[str]:
    from .analysis import normalize

    out = []
    for run in _HAN_RUN.findall(normalize(text)):
        if run[0].isascii():
            out.append(run)
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def bigram_baseline(docs, queries, k1=1.2, b=0.75):
    toks = [_bigrams(d["title"] + " " + d["body"]) for d in docs]
    n = len(toks)
    dl = [len(t) for t in toks]
    avg = sum(dl) / max(1, n)
    post = collections.defaultdict(list)
    for i, t in enumerate(toks):
        for term, c in collections.Counter(t).items():
            post[term].append((i, c))
    run = {}
    for q in queries:
        sc = collections.defaultdict(float)
        for term in set(_bigrams(q["query"])):
            p = post.get(term)
            if not p:
                continue
            idf = math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5))
            for i, c in p:
                sc[i] += idf * c * (k1 + 1) / (c + k1 * (1 - b + b * dl[i] / avg))
        top = sorted(sc, key=lambda i: -sc[i])[:10]
        run[q["query"]] = [docs[i]["id"] for i in top]
    return run


def _docs_to_search(docs):
    # Shaped exactly as an imported article is indexed (search.documents), so these figures
    # are what readers get through /api/search/ after import_articles.
    from .documents import library_document

    for i, d in enumerate(docs, 1):
        yield library_document(doc_id=i, external_id=str(d["id"]), title=d["title"], body=d["body"])


def relevance(args):
    if args.replay or args.halves or args.same_docs:
        return relevance_learned(args)
    _setup_django()
    from .engines.base import SearchQuery

    docs = [json.loads(l) for l in open(args.docs, encoding="utf-8") if l.strip()]
    queries = [json.loads(l) for l in open(args.queries, encoding="utf-8") if l.strip()]
    t = time.perf_counter()
    base = score(queries, bigram_baseline(docs, queries))
    t_base = time.perf_counter() - t
    results = {"baseline (bigram BM25, pure Python)": base}
    names = ["embedded", "elasticsearch"] if args.engine == "both" else [args.engine]
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            engine = _engine(name, tmp)
            try:
                t = time.perf_counter()
                engine.rebuild(_docs_to_search(docs))
                t_index = time.perf_counter() - t
                run = {}
                t = time.perf_counter()
                for q in queries:
                    res = engine.search(SearchQuery(q=q["query"], page_size=10))
                    run[q["query"]] = [h.external_id for h in res.hits]
                t_query = time.perf_counter() - t
                results[name] = score(queries, run)
                print(f"# {name}: indexed {len(docs)} docs in {t_index:.1f}s, {len(queries)} queries in {t_query:.1f}s")
                if args.run_out:
                    with open(f"{args.run_out}.{name}.jsonl", "w", encoding="utf-8") as fh:
                        for qq, ranked in run.items():
                            fh.write(json.dumps({"query": qq, "ranked": ranked}, ensure_ascii=False) + "\n")
            finally:
                _dispose(engine)
    print(f"# baseline computed in {t_base:.1f}s; {len(queries)} queries, {len(docs)} documents")
    print(f"| ranking | nDCG@10 | MRR@10 | R@10 |\n|---|---|---|---|")
    for name, s in results.items():
        print(f"| {name} | {s['ndcg@10']:.4f} | {s['mrr@10']:.4f} | {s['recall@10']:.4f} |")


def _read_jsonl(path):
    return [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]


def relevance_learned(args):
    """nDCG@10 on the evaluation questions before and after learning from replayed queries.

    The replayed lines go through ``search.learning.services.replay`` (the analytics calls of a
    live search and click) into a throwaway database, then ``train`` runs as ``search_train``
    would; the evaluation questions are never replayed. ``--halves`` splits ``--queries`` into
    its even and odd lines and does it both ways (train on one, score the other). ``--same-docs``
    scores new questions on documents the logs already know (``same_document_rounds``).
    """
    with tempfile.TemporaryDirectory(prefix="bancheng-learning-bench-") as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{os.path.join(tmp, 'bench.sqlite3')}"
        _setup_django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        docs = _read_jsonl(args.docs)
        queries = _read_jsonl(args.queries)
        if args.halves:
            rounds = [("even → odd", queries[0::2], queries[1::2]), ("odd → even", queries[1::2], queries[0::2])]
        elif args.same_docs:
            rounds = same_document_rounds(queries)
        else:
            training = _read_jsonl(args.replay)
            trained = {q["query"] for q in training}
            overlap = sum(1 for q in queries if q["query"] in trained)
            if overlap:
                print(f"# warning: {overlap} evaluation questions are also replayed", file=sys.stderr)
            rounds = [("replay", training, queries)]
        names = ["embedded", "elasticsearch"] if args.engine == "both" else [args.engine]
        print(f"# {len(docs)} documents; learned reranker over the top k of each engine")
        print("| engine | trained on → scored on | replayed | scored | nDCG@10 before | nDCG@10 after | Δ | MRR@10 before | MRR@10 after | model |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name in names:
            with tempfile.TemporaryDirectory() as etmp:
                engine = _engine(name, etmp)
                try:
                    engine.rebuild(_docs_to_search(docs))
                    if hasattr(engine, "refresh"):
                        engine.refresh()
                    pooled = {}
                    for label, train_q, eval_q, *pool in rounds:
                        before, after, status = _learn_round(engine, docs, train_q, eval_q)
                        _print_learned_row(name, label, len(train_q), len(eval_q), before, after, status)
                        if pool:
                            pooled.setdefault(pool[0], []).append((len(train_q), len(eval_q), before, after, status))
                    for label, parts in pooled.items():
                        _print_learned_row(
                            name, label, f"{min(p[0] for p in parts)}–{max(p[0] for p in parts)}",
                            sum(p[1] for p in parts), _pooled(parts, 2), _pooled(parts, 3),
                            "/".join(sorted({p[4] for p in parts})),
                        )
                finally:
                    _dispose(engine)


def _print_learned_row(name, label, replayed, scored, before, after, status):
    print(
        f"| {name} | {label} | {replayed} | {scored} | {before['ndcg@10']:.4f} |"
        f" {after['ndcg@10']:.4f} | {after['ndcg@10'] - before['ndcg@10']:+.4f} |"
        f" {before['mrr@10']:.4f} | {after['mrr@10']:.4f} | {status} |",
        flush=True,
    )


def _pooled(parts, which: int) -> dict:
    """Scores of several rounds as one, each weighted by its number of scored questions."""
    n = sum(p[1] for p in parts)
    return {key: sum(p[which][key] * p[1] for p in parts) / n for key in ("ndcg@10", "mrr@10")}


SAME_DOCUMENT_QUARTERS = 4


def same_document_rounds(queries):
    """Where a deployment's logs already know the documents: of the questions that share their
    relevant documents with another question, one per document is scored and every other question
    is replayed. Each scored question is new; its document is not.

    Two ways: one question of every such document at once (the first, then the last; the replayed
    logs then hold few questions whose document another question also asked about), and in
    quarters (a quarter of those documents' first questions at a time, the rest of the set
    replayed, pooled into one row): nearly the whole set replayed, as when a deployment, or a
    check, learns from the whole dev set and is asked other questions on its documents."""
    groups = {}
    for i, q in enumerate(queries):
        groups.setdefault(tuple(sorted(map(str, q["relevant"]))), []).append(i)
    shared = [g for g in groups.values() if len(g) > 1]
    rounds = []
    for label, pick in (("same documents, first scored", 0), ("same documents, last scored", -1)):
        scored = {g[pick] for g in shared}
        rounds.append((label, [q for i, q in enumerate(queries) if i not in scored],
                       [queries[i] for i in sorted(scored)]))
    pool = f"same documents, first scored in {SAME_DOCUMENT_QUARTERS} quarters (pooled)"
    for part in range(SAME_DOCUMENT_QUARTERS):
        scored = {g[0] for n, g in enumerate(shared) if n % SAME_DOCUMENT_QUARTERS == part}
        rounds.append((f"same documents, quarter {part + 1} of {SAME_DOCUMENT_QUARTERS}",
                       [q for i, q in enumerate(queries) if i not in scored],
                       [queries[i] for i in sorted(scored)], pool))
    return rounds


def _learn_round(engine, docs, train_q, eval_q):
    from .engines.base import SearchQuery
    from .learning import rerank, services
    from .models import QueryClick, QueryLog, RankingModel

    for model in (QueryLog, QueryClick, RankingModel):
        model.objects.all().delete()
    rerank.invalidate()
    wrapped = rerank.LearnedRankingEngine(engine)
    key_of = {d["id"]: f"article:{i}" for i, d in enumerate(docs, 1)}

    def run():
        out = {}
        for q in eval_q:
            res = wrapped.search(SearchQuery(q=q["query"], page_size=10, facets=False))
            out[q["query"]] = [h.external_id for h in res.hits]
        return out

    before = score(eval_q, run())
    services.replay(
        (json.dumps(q, ensure_ascii=False) for q in train_q), engine=wrapped,
        resolve=lambda ids: {i: key_of[i] for i in ids if i in key_of},
    )
    result = services.train(engine=wrapped)
    print(f"# {result.message()}", flush=True)
    rerank.invalidate()
    after = score(eval_q, run())
    return before, after, result.status


def _dispose(engine):
    drop = getattr(engine, "drop_all", None)
    if drop:
        try:
            drop()
        except Exception as exc:  # the benchmark must still print its figures
            print(f"# could not delete temporary indices: {exc}", file=sys.stderr)


# --- latency -----------------------------------------------------------------------

COMMON_WORDS = (
    "办理 申请 材料 窗口 企业 个人 证明 登记 变更 注销 审批 手续 政策 规定 时限 部门 街道 社区 服务 中心 "
    "咨询 电话 网上 线下 预约 提交 复印件 原件 签字 盖章 审核 通过 退回 补正 告知 承诺 期限 工作日 "
    "费用 免费 补贴 标准 条件 范围 对象 居民 户籍 房屋 租赁 合同 经营 场所 地址 股东 决议 章程 "
    "税务 社保 医保 公积金 银行 账户 许可 备案 年报 公示 信用 异常 名录 处罚 撤销 恢复 迁移 分支 "
    "机构 门店 餐饮 食品 卫生 消防 环保 施工 验收 演出 文化 旅游 教育 入学 就业 失业 养老 退休 "
    "残疾 救助 低保 住房 保障 廉租 公租 补缴 退费 发票 增值税 个税 减免 延期 疫情 复工 线上 "
    "办结 进度 查询 反映 投诉 建议 满意 评价 回访 协调 跨区 市级 区级 镇级 联动 共享 数据 系统"
).split()


_HAN_WORD = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


def _vocabulary(size: int = 30000):
    """Domain dictionary + common words + the most frequent words of jieba's dictionary, with weights.

    Weights follow the words' real corpus frequencies (Zipf-like), so the
    synthetic text has realistic term statistics: a few words everywhere, most rare.
    """
    import jieba

    from .analysis import _read_lines

    words: dict[str, float] = {}
    dict_path = Path(jieba.__file__).resolve().parent / "dict.txt"
    common = []
    with open(dict_path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2 and _HAN_WORD.match(parts[0]):
                common.append((int(parts[1]), parts[0]))
    common.sort(reverse=True)
    for freq, w in common[:size]:
        words[w] = float(freq)
    top = common[0][0] if common else 1000
    for w in COMMON_WORDS:
        words[w] = max(words.get(w, 0.0), top / 50)
    for line in _read_lines("gov_terms.txt"):
        words[line.split()[0]] = top / 200
    vocab = sorted(words)
    return vocab, [words[w] for w in vocab]


def synthetic_docs(n: int, seed: int = 20260101):
    from .engines.base import SearchDocument

    rng = random.Random(seed)
    vocab, weights = _vocabulary()
    weights = list(itertools.accumulate(weights))  # cumulative: choices() is O(log n) per draw
    punct = "，。；、"
    for i in range(1, n + 1):
        title = "".join(rng.choices(vocab, cum_weights=weights, k=rng.randint(3, 6)))
        summary = "".join(rng.choices(vocab, cum_weights=weights, k=rng.randint(6, 12)))
        parts = []
        for _ in range(rng.randint(20, 50)):
            parts.append("".join(rng.choices(vocab, cum_weights=weights, k=rng.randint(3, 8))) + rng.choice(punct))
        yield SearchDocument(
            doc_type=rng.choice(["article", "guide", "policy"]),
            doc_id=i,
            external_id=f"syn-{i}",
            title=title,
            summary=summary,
            body="".join(parts),
            department_ids=[rng.randint(1, 40)],
            department_names=[f"部门{rng.randint(1, 40)}"],
            topic=f"topic-{rng.randint(1, 12)}",
            tags=[rng.choice(COMMON_WORDS[:50])],
            districts=[f"d{rng.randint(1, 16)}"],
        )


def query_mix(seed: int = 7, n: int = 40) -> list[str]:
    """Fixed mix: domain questions, and 1–4 words drawn by corpus frequency (as people type)."""
    rng = random.Random(seed)
    vocab, weights = _vocabulary()
    weights = list(itertools.accumulate(weights))
    qs = ["简易注销", "营业执照 变更", "容缺受理需要哪些材料？", "法定代表人变更怎么办理", "公积金提取"]
    while len(qs) < n:
        k = rng.choice([1, 2, 2, 3, 4])
        words = rng.choices(vocab, cum_weights=weights, k=k)
        qs.append("".join(words) + rng.choice(["", "", "怎么办？", "需要什么材料", "在哪里办理"]))
    return qs


def _percentiles(samples):
    s = sorted(samples)

    def p(x):
        return s[min(len(s) - 1, int(round(x / 100 * (len(s) - 1))))] * 1000

    return p(50), p(95), p(99)


def _size(engine, tmp) -> int:
    if getattr(getattr(engine, "db", None), "vendor", "") == "postgresql":  # Elasticsearch has no .db
        with engine.db.cursor() as cur:
            cur.execute("SELECT pg_total_relation_size('search_entry') + pg_total_relation_size('search_facet')")
            return cur.fetchone()[0]
    if getattr(engine, "name", "") == "embedded":
        with engine.db.cursor() as cur:  # fold the write-ahead log into the database file first
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return sum(f.stat().st_size for f in Path(tmp).glob("bench.sqlite3*"))
    return engine.store_size()


def _reopen(name: str, engine):
    """The same index through a new connection, as a separate server worker would open it."""
    if isinstance(engine, _FixedRanker):
        return _FixedRanker(_reopen(name, engine.inner), engine.ranker)
    if name == "embedded":
        from .engines.embedded import EmbeddedEngine

        return EmbeddedEngine(sqlite_path=engine.db.path)
    if name == "postgresql":  # the parent closed its connections before forking
        from .engines.embedded import EmbeddedEngine

        return EmbeddedEngine()
    from .engines.elasticsearch import ElasticsearchEngine

    return ElasticsearchEngine(url=engine.url, prefix=engine.alias, shards=1, replicas=0)


def _client_loop(engine, queries, offset: int, count: int) -> list[float]:
    from .engines.base import SearchQuery

    local = []
    for j in range(count):
        q = queries[(offset + j) % len(queries)]
        t0 = time.perf_counter()
        engine.search(SearchQuery(q=q, page_size=10))
        local.append(time.perf_counter() - t0)
    return local


def _process_client(name, engine, queries, offset, count, start, out):
    # A forked worker must not reuse the parent's connection: open its own, warm it, then wait.
    own = _reopen(name, engine)
    _client_loop(own, queries, offset, 3)
    start.wait()
    cpu = time.process_time()
    samples = _client_loop(own, queries, offset, count)
    out.put((samples, time.process_time() - cpu))


def _engine_cpu(engine) -> float:
    """CPU seconds the search server has used so far (Elasticsearch node stats; 0 in process;
    NaN when the node's statistics cannot be read, so the row shows it instead of a zero).

    On a node shared with other work this counts that work too."""
    inner = getattr(engine, "inner", engine)
    if getattr(inner, "name", "") != "elasticsearch":
        return 0.0
    time.sleep(1.1)  # the node refreshes its process statistics once a second
    try:
        stats = inner.client.nodes.stats(metric="process")
        return sum(n["process"]["cpu"]["total_in_millis"] for n in stats["nodes"].values()) / 1000
    except Exception as exc:  # the benchmark still prints its latency figures
        print(f"# could not read the node's CPU statistics: {exc}", file=sys.stderr)
        return float("nan")


def _run_clients(name, engine, queries, clients, mode, total):
    """Closed-loop clients sending the query mix; returns (latencies, wall seconds, client CPU seconds).

    "threads" share one Python process (and its GIL), as under a threaded
    development server; "processes" are separate workers, as under gunicorn
    with one worker per client, which is how the portal is deployed.
    """
    per_client = max(1, total // clients)
    if mode == "processes":
        import multiprocessing

        if name == "postgresql":
            # A forked child must not share the parent's socket: each opens its own.
            from django.db import connections

            connections.close_all()

        ctx = multiprocessing.get_context("fork")
        start = ctx.Barrier(clients + 1)
        out = ctx.Queue()
        procs = [
            ctx.Process(target=_process_client, args=(name, engine, queries, c * 5, per_client, start, out))
            for c in range(clients)
        ]
        for p in procs:
            p.start()
        start.wait()
        t0 = time.perf_counter()
        results = [out.get() for _ in procs]
        wall = time.perf_counter() - t0
        for p in procs:
            p.join()
        return [x for samples, _cpu in results for x in samples], wall, sum(cpu for _s, cpu in results)
    samples: list[float] = []
    lock = threading.Lock()

    def worker(offset):
        local = _client_loop(engine, queries, offset, per_client)
        with lock:
            samples.extend(local)

    t0, cpu = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=worker, args=(c * 5,)) for c in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return samples, time.perf_counter() - t0, time.process_time() - cpu


def latency(args):
    names = ["embedded", "elasticsearch"] if args.engine == "both" else [args.engine]
    if "postgresql" in names:
        if not args.database_url.startswith(("postgres://", "postgresql://")):
            raise SystemExit("--engine postgresql needs --database-url postgres://… (an empty database: it is filled)")
        os.environ["DATABASE_URL"] = args.database_url
    _setup_django()
    from .engines.base import SearchQuery

    if "postgresql" in names:
        from django.core.management import call_command

        call_command("migrate", "search", verbosity=0)
    queries = query_mix()
    print(f"# {args.docs} synthetic documents, {len(queries)} queries in the mix, {os.cpu_count()} CPUs")
    print("| engine | docs | index time (s) | size (MB) | clients | queries | p50 (ms) | p95 (ms) | p99 (ms) | q/s"
          " | CPU ms/query (client + server) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            engine = _engine(name, tmp)
            try:
                t = time.perf_counter()
                engine.rebuild(synthetic_docs(args.docs))
                t_index = time.perf_counter() - t
                if hasattr(engine, "refresh"):
                    engine.refresh()
                size = _size(engine, tmp) / 1e6
                for q in queries[:5]:  # warm caches
                    engine.search(SearchQuery(q=q))
                runs = ((1, "threads"), (8, "threads"), (8, "processes"))
                variants = [(name, engine)]
                rounds = 1
                if args.learned:
                    runs = ((1, "threads"), (8, "processes"))
                    variants.append((f"{name} + learned reranker (top {_learned_k()})", _learned_engine(engine, queries)))
                    # The two variants take turns (ROUNDS each), so load that comes and goes on a
                    # shared machine falls on both alike instead of on whichever ran at the time.
                    rounds = max(1, args.rounds)
                for clients, mode in runs:
                    label = "1" if clients == 1 else f"{clients} {mode}"
                    totals = {v: [[], 0.0, 0.0, 0.0] for v, _e in variants}  # samples, wall, client CPU, server CPU
                    for _round in range(rounds):
                        for label_name, eng in variants:
                            server = _engine_cpu(eng)
                            samples, wall, cpu = _run_clients(
                                name, eng, queries, clients, mode, max(clients, args.queries // rounds))
                            t = totals[label_name]
                            t[0] += samples
                            t[1] += wall
                            t[2] += cpu
                            t[3] += _engine_cpu(eng) - server
                    for label_name, (samples, wall, cpu, server) in totals.items():
                        p50, p95, p99 = _percentiles(samples)
                        print(
                            f"| {label_name} | {args.docs} | {t_index:.1f} | {size:.1f} | {label} | {len(samples)} |"
                            f" {p50:.1f} | {p95:.1f} | {p99:.1f} | {len(samples) / wall:.0f} |"
                            f" {cpu / len(samples) * 1000:.1f} + {server / len(samples) * 1000:.1f} |",
                            flush=True,
                        )
                    if len(totals) == 2:
                        (a, wa, ca, sa), (b, wb, cb, sb) = totals.values()
                        ra, rb = _percentiles(a), _percentiles(b)
                        print(
                            f"# {name}, {label}: reranker / engine alone: p50 {rb[0] / ra[0]:.2f}×, p95 {rb[1] / ra[1]:.2f}×,"
                            f" q/s {len(b) / wb:.0f} / {len(a) / wa:.0f},"
                            f" CPU per query {(cb + sb) / len(b) * 1000:.1f} / {(ca + sa) / len(a) * 1000:.1f} ms"
                            f" ({(cb + sb) / len(b) / max(1e-9, (ca + sa) / len(a)):.2f}×); load average {os.getloadavg()[0]:.1f}",
                            flush=True,
                        )
            finally:
                _dispose(engine)


def _learned_k() -> int:
    """The depth a trained model reranks: the deepest that cross-validation may choose, within TOP_K."""
    from .learning.model import CHOICES
    from .learning.rerank import config

    return min(int(config()["TOP_K"]), max(k for _c, k in CHOICES))


class _FixedRanker:
    """The reranking path of ``search.learning.rerank`` with one given model (no database)."""

    def __init__(self, inner, ranker):
        self.inner, self.ranker, self.name = inner, ranker, inner.name

    def search(self, query):
        from .learning.rerank import rerank, rerank_window

        k = _learned_k()
        k = min(self.ranker.k or k, k)
        if not rerank_window(query, k):
            return self.inner.search(query)
        return rerank(self.inner, query, self.ranker, k)


def _learned_engine(engine, queries):
    """A model learned the product's way from synthetic clicks (the 3rd result of each query in
    the mix, as if readers preferred it), with a memory of those queries, wrapped around ``engine``."""
    from .engines.base import SearchQuery
    from .learning.memory import Memory
    from .learning.model import Example, fit
    from .learning.signals import Signal

    k = _learned_k()
    examples, sigs = [], []
    for q in queries:
        hits = engine.search(SearchQuery(q=q, page_size=k, facets=False, with_text=True)).hits
        if len(hits) >= 3:
            key = f"{hits[2].doc_type}:{hits[2].doc_id}"
            examples.append(Example(query=q, hits=hits, positives={key}))
            sigs.append(Signal(query=q, doc=key, kind="click", audience="public"))
    memory = Memory.build(sigs)
    ranker, _pairs = fit(examples, memory, choice={"k": k})
    return _FixedRanker(engine, ranker)


def analytics_reports(args):
    """Search analytics at scale: the admin reports and suggestions over N logged searches."""
    with tempfile.TemporaryDirectory(prefix="bancheng-analytics-bench-") as tmp:
        # A throwaway database: the reports read the project's tables, so fill a copy.
        os.environ["DATABASE_URL"] = f"sqlite:///{os.path.join(tmp, 'bench.sqlite3')}"
        _setup_django()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client
        from django.utils import timezone

        from . import analytics
        from .models import QueryClick, QueryLog

        call_command("migrate", verbosity=0)
        rng = random.Random(11)
        subjects = ["营业执照", "简易注销", "公积金提取", "社保转移", "居住证", "户口迁移", "营业性演出许可",
                    "食品经营许可", "出生医学证明", "退休", "不动产登记", "个体工商户", "容缺受理", "随申办"]
        tails = ["", "怎么办", "需要什么材料", "流程", "在哪里办", "多久", "费用"]
        distinct = [rng.choice(subjects) + rng.choice(tails) + (str(rng.randrange(3000)) if rng.random() < 0.5 else "")
                    for _ in range(60000)]
        now = timezone.now()
        started = time.perf_counter()
        logs = []
        for _ in range(args.searches):
            # A long tail: a few queries very often, most once or twice.
            q = distinct[min(int(rng.paretovariate(1.1)) - 1, len(distinct) - 1)] if rng.random() < 0.7 else rng.choice(distinct)
            logs.append(QueryLog(query=q, result_count=rng.randrange(30), zero_result=rng.random() < 0.1))
        QueryLog.objects.bulk_create(logs, batch_size=20000)
        QueryClick.objects.bulk_create(
            (QueryClick(query=rng.choice(distinct), doc=f"article:{rng.randrange(500)}") for _ in range(args.searches // 10)),
            batch_size=20000,
        )
        # Spread over four months (created_at is auto_now_add, so set it afterwards).
        for model in (QueryLog, QueryClick):
            pks = list(model.objects.values_list("pk", flat=True))
            by_day: dict[int, list[int]] = collections.defaultdict(list)
            for pk in pks:
                by_day[rng.randrange(120)].append(pk)
            for day, day_pks in by_day.items():
                model.objects.filter(pk__in=day_pks).update(created_at=now - timedelta(days=day))
        print(f"# {args.searches} logged searches, {args.searches // 10} clicks over 120 days"
              f" (built in {time.perf_counter() - started:.0f} s)")
        client = Client()
        client.force_login(get_user_model().objects.create_superuser("bench", "bench@example.invalid", "x"))
        requests = [
            ("热门搜索 report, all time", lambda: client.get("/admin/reports/search/top/")),
            ("热门搜索 report, sorted by click-through", lambda: client.get("/admin/reports/search/top/?ordering=-click_through")),
            ("无结果搜索 report", lambda: client.get("/admin/reports/search/zero/")),
            ("top queries, last 30 days", lambda: analytics.top_queries()),
            ("autocomplete 营业", lambda: client.get("/search/suggest/?q=营业")),
        ]
        print("| request | median (ms) | slowest of 5 (ms) |")
        print("|---|---|---|")
        for label, call in requests:
            call()  # warm
            times = []
            for _ in range(5):
                t = time.perf_counter()
                call()
                times.append((time.perf_counter() - t) * 1000)
            print(f"| {label} | {statistics.median(times):.0f} | {max(times):.0f} |", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m search.bench")
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("relevance")
    r.add_argument("--docs", required=True)
    r.add_argument("--queries", required=True)
    r.add_argument("--engine", default="embedded", choices=["embedded", "elasticsearch", "both"])
    r.add_argument("--run-out", default="", help="write each engine's ranking as RUN.jsonl for score.py")
    r.add_argument("--replay", default="", help="queries to replay and learn from before scoring again (never the --queries)")
    r.add_argument("--halves", action="store_true",
                   help="split --queries into even/odd lines: learn from one half, score the other, both ways")
    r.add_argument("--same-docs", action="store_true",
                   help="score one question of each document asked more than once, learn from all the others"
                        " (new questions on documents the logs know), with the first and with the last")
    lat = sub.add_parser("latency")
    lat.add_argument("--docs", type=int, default=10000)
    lat.add_argument("--engine", default="both", choices=["embedded", "elasticsearch", "both", "postgresql"],
                     help="postgresql: the embedded engine on PostgreSQL full text (with --database-url)")
    lat.add_argument("--database-url", default="", help="an empty PostgreSQL database for --engine postgresql")
    lat.add_argument("--queries", type=int, default=400, help="queries per run")
    lat.add_argument("--learned", action="store_true",
                     help="also time each engine with a learned reranker over its top k (search.learning)")
    lat.add_argument("--rounds", type=int, default=4,
                     help="with --learned: the engine alone and with the reranker take turns this many times")
    an = sub.add_parser("analytics")
    an.add_argument("--searches", type=int, default=500000, help="logged searches in the throwaway database")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    {"relevance": relevance, "latency": latency, "analytics": analytics_reports}[args.cmd](args)


if __name__ == "__main__":
    main()
