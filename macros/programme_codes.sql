{#
    A programme code as the indicators count it: the catalogue's code when the source's code is in
    the programme catalogue (joined as catalogue_code), 'unknown' when it is not. A source row
    without a code counts for the faculty only (NULL), except where empty_is='unknown' (sources
    whose rows always belong to a programme: student stays, degrees, CIM awards).
#}
{% macro programme_in_catalogue(source_code, catalogue_code, empty_is='faculty') -%}
    case
        {%- if empty_is == 'faculty' %}
        when {{ source_code }} is null then null
        {%- endif %}
        when {{ catalogue_code }} is not null then {{ catalogue_code }}
        else 'unknown'
    end
{%- endmacro %}
