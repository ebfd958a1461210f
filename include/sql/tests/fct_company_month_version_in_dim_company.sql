-- Every company-month names a version of the company history (nib, company_valid_from in
-- core.dim_company): marts.mart_company_compliance joins the two, so a month answered by a
-- version the warehouse lacks would drop the company from the compliance mart in silence.
--
-- Against int_dim_company, the history as the warehouse will hold it after this run, not
-- against the build's dim_company: the build holds only the companies this run's registry
-- extracts touch, while fct_company_month holds every company of the months in scope.
SELECT f.periode, f.nib, f.company_valid_from
FROM {{ ref('fct_company_month') }} f
LEFT JOIN {{ ref('int_dim_company') }} c
       ON c.nib = f.nib AND c.valid_from = f.company_valid_from
WHERE c.nib IS NULL
