"""Forms of the appraisals context, one module per topic (plan, matrix, evidence, findings).

Forms shape input only; the services apply the rules.
"""
