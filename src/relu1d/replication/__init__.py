"""The replication study of papers K, H and A (``docs/claims.md``): experiment cells and their seed manifests,
parallel counting to Parquet, the statistics of each stage, the covariance Monte Carlo, the knot law, sparsity
(K7) and training dynamics (H3), the Arora constructions' tables, the claims table, the report's numbers and the
plotting helpers of the notebooks.

Built on ``relu1d.engine`` and ``relu1d.theory``; needs the ``pipeline`` extra (pandas, pyarrow, scipy,
scikit-learn, tqdm, threadpoolctl).
"""
