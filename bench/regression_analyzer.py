#!/usr/bin/env python3
# bench/regression_analyzer.py -- the original sketch
# (shared/seed/sketches/regression_analyzer.py), copied for bench/bisect.sh
# with its missing _analyze_commit_impact filled in by the simplest reading
# the issue names: keyword hits in the message plus the lines changed in
# performance paths; and a command line:
#   regression_analyzer.py REPO YYYY-MM-DD METRIC
# Everything else is the sketch as written.

import git
import json
from datetime import datetime, timedelta
from typing import List, Dict, Optional

class RegressionAnalyzer:
    def __init__(self, repo_path: str):
        self.repo = git.Repo(repo_path)

    def identify_regression_commit(self,
                                  regression_date: datetime,
                                  metric_name: str) -> Optional[str]:
        """Identify the commit that introduced a performance regression"""

        # Get commits around the regression date
        since_date = regression_date - timedelta(days=7)
        until_date = regression_date + timedelta(days=1)

        commits = list(self.repo.iter_commits(
            since=since_date.strftime('%Y-%m-%d'),
            until=until_date.strftime('%Y-%m-%d')
        ))

        # Analyze commits for performance-related changes
        suspect_commits = []

        for commit in commits:
            if self._is_performance_related(commit):
                performance_impact = self._analyze_commit_impact(commit, metric_name)
                suspect_commits.append({
                    'commit': commit.hexsha,
                    'date': commit.committed_datetime,
                    'message': commit.message,
                    'impact_score': performance_impact
                })

        # Return most likely regression commit
        if suspect_commits:
            suspect_commits.sort(key=lambda x: x['impact_score'], reverse=True)
            return suspect_commits[0]['commit']

        return None

    def _is_performance_related(self, commit) -> bool:
        """Check if commit contains performance-related changes"""
        performance_keywords = [
            'chunk', 'memory', 'cache', 'performance', 'optimization',
            'loading', 'allocation', 'gc', 'heap'
        ]

        # Check commit message
        message_lower = commit.message.lower()
        for keyword in performance_keywords:
            if keyword in message_lower:
                return True

        # Check modified files
        for item in commit.stats.files:
            if any(path in item for path in ['chunk', 'cache', 'memory', 'performance']):
                return True

        return False

    def _analyze_commit_impact(self, commit, metric_name) -> float:
        """Keyword hits in the message plus lines changed in performance paths"""
        performance_keywords = [
            'chunk', 'memory', 'cache', 'performance', 'optimization',
            'loading', 'allocation', 'gc', 'heap'
        ]
        message_lower = commit.message.lower()
        score = float(sum(1 for k in performance_keywords if k in message_lower))
        for path, st in commit.stats.files.items():
            if any(p in path for p in ['chunk', 'cache', 'memory', 'performance']):
                score += st['lines']
        return score


if __name__ == '__main__':
    import sys
    analyzer = RegressionAnalyzer(sys.argv[1])
    date = datetime.strptime(sys.argv[2], '%Y-%m-%d')
    print(json.dumps({'most_likely': analyzer.identify_regression_commit(date, sys.argv[3])}))
