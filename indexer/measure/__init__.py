"""Measuring the engine: evaluation reports (`evaluate`), the golden question sets (`golden`,
`longdocs`) and the decision's calibration (`calibrate`). Takes an engine or archives; gives
reports. The top stage: it may import every stage below and `indexer.engine`; nothing in
`indexer` imports it except the CLI.
"""
