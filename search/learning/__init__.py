"""Search that learns from its users: a reranker trained on this deployment's own signals.

- ``signals``: what counts as a positive (a result clicked from a search, a guide linked to a case
  as "这篇指引解决了", a 有帮助 vote), from providers the apps above register; never shipped data.
- ``memory``: what the logs taught about each document — the de-identified queries that led to it.
- ``features``: per (query, document) features that both engines can supply from their top k.
- ``model``: a pairwise logistic regression (scikit-learn) over those features, held-out checks.
- ``rerank``: the engine wrapper that applies the active model to the top k of either engine,
  so every caller of ``search.engines.get_engine()`` gets it.
- ``services``: training (``manage.py search_train``), replay (``manage.py search_replay``).

Safe by construction: nothing changes until enough distinct queries have positives
(``BANCHENG_SEARCH_LEARNING["MIN_QUERIES"]``); a new model replaces the active one only when it
ranks a held-out slice of the logs better; editors switch it off in 设置 → 排序学习; anonymous
searches use a model and a memory built from public signals only (never from cases or staff).
"""
