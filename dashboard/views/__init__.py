"""Panel data: pure functions that shape indicator tables into what each panel page shows (KPI values, chart
frames, alert rows, simulator results).  One module per page; pages stay thin and never compute in pandas.
"""
