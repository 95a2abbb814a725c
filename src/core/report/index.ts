/** The study's figures, charts, paired tests and the results' import/export (no DOM; the Results view and `ftlab report` use it). */
export { buildFigure, figureColumns, panelIdOf, trainingSetsOf, FIGURE_KINDS, FIGURE_KIND_TITLES, type FigureKind, type FigureSpec, type FigureInputCell, type StudyFigure, type FigurePanel, type FigureCell, type FigureRow, type FigureColumn, type FigureCellState } from './figure.ts';
export { shotsSeries, trainingSizeSeries, type ChartData, type Series, type SeriesPoint } from './series.ts';
export { pairedBootstrap, mcnemar, type PairedBootstrapResult, type McNemarResult } from './significance.ts';
export { modelInfoFromId, modelInfoFromManifest, modelGroupLabel, type ModelInfo } from './models.ts';
export { PAPER_VALUES, paperCellValue, paperModelValues, type PaperValue, type PaperCellValue, type PaperModelValue } from './paper-values.ts';
export { parseImport, newRecords, cellsFromRecords, planFromRecords, exportCsv, exportJson, exportJsonl, recordKeyString, EXPORT_FORMAT, EXPORT_VERSION, type ParsedImport, type ImportProblem, type ResultsExport } from './exchange.ts';
export { ReportInputError, FigureSpecError, ImportFileError } from './errors.ts';
export { formatMetric, formatDelta, formatInterval, metricName, STATE_WORDS } from './format.ts';
export { filterSamples, confusionMatrix, SAMPLE_OUTCOMES, SAMPLE_SORTS, type SampleFilter, type SampleOutcome, type SampleSort, type ConfusionMatrix } from './drill.ts';
export { compareRuns, differingFields, COMPARABLE_FIELDS, type RunComparison, type CellComparison, type SamplePair, type ComparableField } from './compare.ts';
export { cellsOfStoredPlan } from './stored.ts';
export { deltaBin, deltaLegend, DELTA_BINS, DEFAULT_DELTA_STEP, type DeltaBin } from './scale.ts';
