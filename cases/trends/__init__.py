"""统计分析: trends of the case desk over weeks and months (admin), the monthly district report and 数据公开."""
