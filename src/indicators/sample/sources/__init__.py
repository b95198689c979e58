"""The canonical frames of the sample sources, one module per source group.

``world`` holds the run's shared state (programmes, partners, people, one RNG stream per source)
and the helpers; ``student_mobility``, ``staff_mobility``, ``agreements`` (and EWP IIAs),
``registers`` (programmes, programme register, enrolments, degrees, CIM awards) and ``activities``
each build their sources' frames from it.
"""
