{#
    A date exported coarser than a day (`2015-01`, `jan 2015`, `2015`) is stored as the first day of
    its month or year, with `<field>_precision` saying month or year. That is right for a start; an
    END of month or year precision is read as the LAST day of its month (2015-01 -> 2015-01-31) or
    year (2015 -> 2015-12-31): the stay lasted into that month or year, and its first day would make
    every stay a month short (2014-09 to 2014-09 would last 0 days). Day precision (or none) as stored.
#}
{% macro end_of_precision(date_expr, precision_expr) -%}
    case {{ precision_expr }}
        when 'month' then last_day({{ date_expr }})
        when 'year' then make_date(year({{ date_expr }}), 12, 31)
        else {{ date_expr }}
    end
{%- endmacro %}
