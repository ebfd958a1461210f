{#- The kecamatan and kabupaten rows of a mart, as two CTEs `kecamatan` and `kabupaten` over a
    CTE of its desa rows (`desa`): every measure aggregated over the area's desa, never an
    average of their ratios (each mart computes its ratios from the sums). The rows keep the
    desa CTE's column order, so `SELECT * FROM desa UNION ALL SELECT * FROM kecamatan ...`:

      <before...>, tingkat, kode_wilayah, nama_wilayah, kode_kecamatan, [nama_kecamatan,]
      <after...>, <measures...>

    `before`/`after`: columns the rows are kept apart by (periode, sumber_iuran); `measures`:
    (column, aggregate over `d`) pairs; `nama_kecamatan`: whether the mart has that column. -#}
{% macro roll_up(desa='desa', measures=[], before=[], after=[], nama_kecamatan=true) -%}
    kecamatan AS (
        SELECT {% for c in before %}d.{{ c }}, {% endfor %}'kecamatan' AS tingkat,
               d.kode_kecamatan AS kode_wilayah, w.nama AS nama_wilayah, d.kode_kecamatan,
               {%- if nama_kecamatan %} w.nama AS nama_kecamatan,{% endif %}
               {%- for c in after %} d.{{ c }},{% endfor %}
               {%- for col, aggregate in measures %}
               {{ aggregate }} AS {{ col }}{% if not loop.last %},{% endif %}
               {%- endfor %}
        FROM {{ desa }} d
        JOIN {{ ref('dim_wilayah') }} w ON w.kode_wilayah = d.kode_kecamatan
        GROUP BY {% for c in before %}d.{{ c }}, {% endfor %}d.kode_kecamatan, w.nama
                 {%- for c in after %}, d.{{ c }}{% endfor %}
    ),
    kabupaten AS (
        SELECT {% for c in before %}d.{{ c }}, {% endfor %}'kabupaten' AS tingkat,
               w.kode_wilayah, w.nama AS nama_wilayah, CAST(NULL AS VARCHAR) AS kode_kecamatan,
               {%- if nama_kecamatan %} CAST(NULL AS VARCHAR) AS nama_kecamatan,{% endif %}
               {%- for c in after %} d.{{ c }},{% endfor %}
               {%- for col, aggregate in measures %}
               {{ aggregate }} AS {{ col }}{% if not loop.last %},{% endif %}
               {%- endfor %}
        FROM {{ desa }} d
        CROSS JOIN {{ ref('dim_wilayah') }} w
        WHERE w.tingkat = 'kabupaten'
        GROUP BY {% for c in before %}d.{{ c }}, {% endfor %}w.kode_wilayah, w.nama
                 {%- for c in after %}, d.{{ c }}{% endfor %}
    )
{%- endmacro %}

{#- A numerator summed over the desa that have a denominator (desa_penyebut = 1): added to the
    roll-up's numerator, the persons of a desa without one would raise the ratio of an area
    whose denominator lacks their desa (they are counted in *_tanpa_penyebut instead). -#}
{% macro with_denominator(col) -%}
  COALESCE(SUM(d.{{ col }}) FILTER (WHERE d.desa_penyebut = 1), 0)
{%- endmacro %}
