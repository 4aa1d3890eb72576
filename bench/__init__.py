"""lemap's benchmarks: ``python -m bench`` compares lemap's endpoint with ``oxigraph serve`` side by side;
``python -m bench.network`` measures the partnership network. Figures are ratios from one run, never
timing assertions in tests."""
