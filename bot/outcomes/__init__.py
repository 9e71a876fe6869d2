"""Treatment outcomes: response, remission, early non-response and relapse from scores."""
