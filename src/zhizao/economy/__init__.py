"""The industrial economy (METHODS.md section 7): the indicator catalogue and its computation
by city and district (``indicators``), the seed's growth arithmetic (``growth``) and the
five-year review report (``review``). The power-based monitoring and the consistency checks
are the ``monitoring`` room."""
