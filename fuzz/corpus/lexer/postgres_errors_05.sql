SET standard_conforming_strings TO off;
SELECT 'C:\';
