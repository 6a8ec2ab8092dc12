function [layers, netClass, connections, lgraph] = dlarrImportLearnables(filename, varargin)
%DLARRIMPORTLEARNABLES Rebuild MATLAB layers from a network that dlarr saved.
%
%   Syntax
%
%     layers = dlarrImportLearnables(filename)
%     layers = dlarrImportLearnables(filename, variableName)
%     args = dlarrImportLearnables(___, 'ArgumentsOnly', true)
%     [layers, netClass] = dlarrImportLearnables(___)
%     [layers, netClass, connections, lgraph] = dlarrImportLearnables(___)
%
%   Description
%
%   layers = dlarrImportLearnables(filename) reads the MAT-file filename, written
%   in Python by dl.save(filename, net=net), and returns the network's layers as a
%   MATLAB Layer array, each layer made by its constructor with the learnables,
%   states, statistics and classes that dlarr saved, for example
%     lstmLayer(H, 'Name', 'lstm', 'InputWeights', W, 'RecurrentWeights', R, ...
%               'Bias', b, 'OutputMode', 'last')
%   Then net = assembleNetwork(layers) gives a network for classify and predict
%   (a SeriesNetwork's layers, ending in an output layer), or
%   net = dlnetwork(layers) a dlnetwork (a dlnetwork's layers; for a
%   SeriesNetwork's layers, dlnetwork(layers(1:end-1)) leaves out the output
%   layer).  The file needs no dlarr: its variables are plain structs, so
%   S = load(filename) also gives the learnables, S.net.Layers{2}.InputWeights.
%
%   layers = dlarrImportLearnables(filename, variableName) reads the variable
%   variableName.  Without it, the file must hold exactly one network (a struct
%   whose dlarrClass is 'SeriesNetwork' or 'dlnetwork') or layer array (a cell
%   array of layer structs).
%
%   args = dlarrImportLearnables(___, 'ArgumentsOnly', true) returns, instead of
%   the layers, an N-by-1 cell array with one cell per layer: the constructor's
%   name, then its arguments, {'lstmLayer', H, 'Name', 'lstm', ...}, so that
%   feval(args{i}{:}) makes layer i.  This part runs without the Deep Learning
%   Toolbox (in Octave, too).
%
%   [layers, netClass] = dlarrImportLearnables(___) also returns what the variable
%   held: 'SeriesNetwork', 'dlnetwork', 'DAGNetwork', 'LayerGraph', or '' for a
%   layer array.
%
%   [layers, netClass, connections, lgraph] = dlarrImportLearnables(___) also
%   returns the network's connections, an M-by-2 cell array of MATLAB's
%   source and destination names ({'fc', 'add/in2'; ...}; empty for a layer
%   array), and (without ArgumentsOnly) the layer graph they make: every layer
%   added alone with addLayers, then connectLayers for each connection, so that
%   net = dlnetwork(lgraph) (or assembleNetwork(lgraph) for a DAGNetwork's
%   layers, which end in output layers) rebuilds a graph network with its skip
%   connections, several inputs and several outputs.  A batch normalization
%   layer gets the network's State (TrainedMean, TrainedVariance) when the
%   network saved one.
%
%   Input arguments
%
%     filename      - MAT-file written by dl.save (v7 or v7.3), character vector
%                     or string scalar.
%     variableName  - Name of the variable holding the network or layer array.
%     ArgumentsOnly - false (default) | true.  Return the constructors' names and
%                     arguments instead of the layers.
%
%   Output arguments
%
%     layers   - N-by-1 Layer array (or, with ArgumentsOnly, the N-by-1 cell of
%                constructor arguments).
%     netClass - 'SeriesNetwork', 'dlnetwork', 'DAGNetwork', 'LayerGraph' or ''.
%     connections - M-by-2 cell array of character vectors: source, destination.
%     lgraph   - layerGraph of the layers and connections.
%
%   Layers
%
%   sequenceInputLayer (with Normalization, and the statistics it uses: Mean and
%   StandardDeviation, or Min and Max), lstmLayer, bilstmLayer, gruLayer,
%   fullyConnectedLayer, softmaxLayer, dropoutLayer, reluLayer, tanhLayer,
%   sigmoidLayer, leakyReluLayer, clippedReluLayer, eluLayer, geluLayer,
%   swishLayer, flattenLayer, batchNormalizationLayer (with TrainedMean and
%   TrainedVariance), layerNormalizationLayer, convolution1dLayer ('Padding' as
%   'same', 'causal' or [left right]), maxPooling1dLayer, averagePooling1dLayer,
%   globalAveragePooling1dLayer, globalMaxPooling1dLayer, additionLayer,
%   multiplicationLayer, concatenationLayer, wordEmbeddingLayer,
%   positionEmbeddingLayer, selfAttentionLayer, featureInputLayer,
%   lstmProjectedLayer, gruProjectedLayer, convolution2dLayer, maxPooling2dLayer,
%   averagePooling2dLayer, globalAveragePooling2dLayer, globalMaxPooling2dLayer,
%   sequenceFoldingLayer, sequenceUnfoldingLayer, classificationLayer ('Classes'
%   and 'ClassWeights' when set) and regressionLayer ('ResponseNames' when set);
%   HasStateInputs and HasStateOutputs of lstmLayer and gruLayer when true.  Name and the learnables and
%   states that are not empty are always passed; other name-value arguments only
%   when they differ from MATLAB's defaults.  InputSize of the recurrent and fully
%   connected layers is not passed (MATLAB takes it from the weights, or from the
%   layer before when the weights are empty); OutputSize and LossFunction of the
%   output layers are MATLAB's defaults.  Any other layer (a custom dlarr layer)
%   is an error naming it.
%
%   Example
%
%     % In Python:
%     %   dl.save("net.mat", net=net)       # net: a trained dlarr SeriesNetwork
%     % In MATLAB:
%     layers = dlarrImportLearnables("net.mat");
%     net = assembleNetwork(layers);
%     YPred = classify(net, XTest);
%
%     % The constructor calls, without building the layers:
%     args = dlarrImportLearnables("net.mat", 'ArgumentsOnly', true);
%     args{2}{1}          % 'lstmLayer'
%
%   See also dlarrExportLearnables, load, assembleNetwork, dlnetwork, lstmLayer.

[variableName, argumentsOnly] = parseOptions(varargin);
if isa(filename, 'string') && isscalar(filename)
    filename = char(filename);
end
if ~ischar(filename) || isempty(filename) || size(filename, 1) ~= 1
    error('dlarr:import:filename', ...
          'dlarrImportLearnables: filename must be a character vector or string scalar.');
end
S = load(filename);
if isempty(variableName)
    variableName = findNetwork(S, filename);
elseif ~isfield(S, variableName)
    error('dlarr:import:variable', 'dlarrImportLearnables: %s has no variable ''%s''.', ...
          filename, variableName);
end
[structs, netClass] = layerStructs(S.(variableName), variableName);
structs = withState(structs, S.(variableName));
connections = connectionList(S.(variableName), variableName);
args = cell(numel(structs), 1);
for i = 1:numel(structs)
    args{i} = layerArguments(structs{i}, i);
end
if argumentsOnly
    layers = args;
    lgraph = [];
    return
end
layers = feval(args{1}{:});
for i = 2:numel(args)
    layers = [layers; feval(args{i}{:})]; %#ok<AGROW>
end
if nargout >= 4
    lgraph = layerGraph();
    for i = 1:numel(layers)
        lgraph = addLayers(lgraph, layers(i));
    end
    for k = 1:size(connections, 1)
        lgraph = connectLayers(lgraph, connections{k, 1}, connections{k, 2});
    end
end
end

% ---------------------------------------------------------------------------
function c = connectionList(v, variableName)
% The M-by-2 {source, destination} cell of a network or layer graph struct.
c = cell(0, 2);
if ~(isstruct(v) && isscalar(v) && isfield(v, 'Connections'))
    return
end
t = v.Connections;
if ~(isstruct(t) && isfield(t, 'Source') && isfield(t, 'Destination')) || ...
        numel(t.Source) ~= numel(t.Destination)
    error('dlarr:import:layout', ['dlarrImportLearnables: variable ''%s'': Connections ' ...
          'must be a struct with Source and Destination cells of one length.'], variableName);
end
c = [reshape(cellstr(t.Source), [], 1), reshape(cellstr(t.Destination), [], 1)];
end

function structs = withState(structs, v)
% Layer structs with the network's State values (batch normalization's
% TrainedMean and TrainedVariance) in place of the layers' own.
if ~(isstruct(v) && isscalar(v) && isfield(v, 'State') && isstruct(v.State) && ...
        isfield(v.State, 'Layer'))
    return
end
st = v.State;
names = cellfun(@(s) s.Name, structs, 'UniformOutput', false);
for k = 1:numel(st.Layer)
    i = find(strcmp(names, st.Layer{k}), 1);
    p = st.Parameter{k};
    if ~isempty(i) && any(strcmp(p, {'TrainedMean', 'TrainedVariance'})) && ...
            isfield(structs{i}, p)
        structs{i}.(p) = st.Value{k};
    end
end
end

% ---------------------------------------------------------------------------
function [variableName, argumentsOnly] = parseOptions(args)
variableName = '';
argumentsOnly = false;
if mod(numel(args), 2) == 1
    variableName = args{1};
    if isa(variableName, 'string') && isscalar(variableName)
        variableName = char(variableName);
    end
    if ~ischar(variableName) || isempty(variableName)
        error('dlarr:import:variable', ['dlarrImportLearnables: variableName must be a ' ...
              'character vector or string scalar.']);
    end
    args = args(2:end);
end
for k = 1:2:numel(args)
    name = args{k};
    if ~(ischar(name) || (isa(name, 'string') && isscalar(name))) || ...
            ~strcmpi(char(name), 'ArgumentsOnly')
        error('dlarr:import:option', ['dlarrImportLearnables: unknown option; the only ' ...
              'name-value argument is ''ArgumentsOnly''.']);
    end
    value = args{k + 1};
    if ~(islogical(value) || isnumeric(value)) || ~isscalar(value)
        error('dlarr:import:option', ['dlarrImportLearnables: ArgumentsOnly must be true ' ...
              'or false.']);
    end
    argumentsOnly = logical(value);
end
end

function name = findNetwork(S, filename)
% The one variable of S that holds a network or a layer array.
names = fieldnames(S);
found = {};
for k = 1:numel(names)
    v = S.(names{k});
    if isNetworkStruct(v) || (iscell(v) && ~isempty(v) && all(cellfun(@isLayerStruct, v(:))))
        found{end + 1} = names{k}; %#ok<AGROW>
    end
end
if numel(found) ~= 1
    if isempty(found)
        what = 'none';
    else
        what = strjoin(found, ', ');
    end
    error('dlarr:import:variable', ['dlarrImportLearnables: %s must hold exactly one ' ...
          'network or layer array saved by dlarr, or give its variable name (found: %s).'], ...
          filename, what);
end
name = found{1};
end

function tf = isNetworkStruct(v)
tf = isstruct(v) && isscalar(v) && isfield(v, 'dlarrClass') && ...
     any(strcmp(v.dlarrClass, {'SeriesNetwork', 'dlnetwork', 'DAGNetwork', 'LayerGraph'}));
end

function tf = isLayerStruct(v)
tf = isstruct(v) && isscalar(v) && isfield(v, 'dlarrClass') && isfield(v, 'Name');
end

function [structs, netClass] = layerStructs(v, variableName)
% The layer structs of a network struct, a cell array of layer structs or one
% layer struct.
if isNetworkStruct(v)
    netClass = v.dlarrClass;
    if ~isfield(v, 'Layers') || ~iscell(v.Layers) || isempty(v.Layers)
        error('dlarr:import:layout', ['dlarrImportLearnables: variable ''%s'' (a %s) has ' ...
              'no Layers cell array.'], variableName, netClass);
    end
    structs = reshape(v.Layers, [], 1);
elseif iscell(v) && ~isempty(v)
    netClass = '';
    structs = reshape(v, [], 1);
elseif isLayerStruct(v)
    netClass = '';
    structs = {v};
else
    error('dlarr:import:layout', ['dlarrImportLearnables: variable ''%s'' is not a network ' ...
          'or layer array saved by dlarr (a struct with dlarrClass ''SeriesNetwork'' or ' ...
          '''dlnetwork'', or a cell array of layer structs); it is a %s.'], ...
          variableName, class(v));
end
for i = 1:numel(structs)
    if ~isLayerStruct(structs{i})
        error('dlarr:import:layout', ['dlarrImportLearnables: variable ''%s'', layer %d is ' ...
              'not a layer struct (a struct with fields dlarrClass and Name).'], ...
              variableName, i);
    end
end
end

% ---------------------------------------------------------------------------
function args = layerArguments(S, index)
% {constructorName, arguments...} of the MATLAB layer that layer struct S holds.
cls = S.dlarrClass;
where = sprintf('layer %d (''%s'', %s)', index, S.Name, cls);
switch cls
    case 'SequenceInputLayer'
        args = {'sequenceInputLayer', field(S, 'InputSize', where), 'Name', S.Name};
        args = [args, nonDefault(S, {'MinLength', 1; 'Normalization', 'none'}, where)];
        if isfield(S, 'NormalizationDimension')        % files of older dlarr lack it
            args = [args, nonDefault(S, {'NormalizationDimension', 'auto'}, where)];
        end
        switch field(S, 'Normalization', where)
            case 'zerocenter'
                stats = {'Mean'};
            case 'zscore'
                stats = {'Mean', 'StandardDeviation'};
            case {'rescale-symmetric', 'rescale-zero-one'}
                stats = {'Min', 'Max'};
            otherwise
                stats = {};
        end
        args = [args, nonEmpty(S, stats, where)];
    case {'LSTMLayer', 'BiLSTMLayer', 'GRULayer', 'LSTMProjectedLayer', 'GRUProjectedLayer'}
        args = recurrentArguments(S, cls, where);
    case 'FeatureInputLayer'
        args = {'featureInputLayer', field(S, 'InputSize', where), 'Name', S.Name};
        args = [args, nonDefault(S, {'Normalization', 'none'; ...
                'NormalizationDimension', 'auto'}, where), ...
                nonEmpty(S, {'Mean', 'StandardDeviation', 'Min', 'Max'}, where)];
    case 'FullyConnectedLayer'
        args = {'fullyConnectedLayer', field(S, 'OutputSize', where), 'Name', S.Name};
        args = [args, nonDefault(S, {'WeightsInitializer', 'glorot'; ...
                'BiasInitializer', 'zeros'}, where), nonEmpty(S, {'Weights', 'Bias'}, where), ...
                nonDefault(S, {'WeightLearnRateFactor', 1; 'BiasLearnRateFactor', 1; ...
                'WeightL2Factor', 1; 'BiasL2Factor', 0}, where)];
    case 'DropoutLayer'
        args = {'dropoutLayer', field(S, 'Probability', where), 'Name', S.Name};
    case {'SoftmaxLayer', 'ReLULayer', 'TanhLayer', 'SigmoidLayer'}
        ctor = struct('SoftmaxLayer', 'softmaxLayer', 'ReLULayer', 'reluLayer', ...
                      'TanhLayer', 'tanhLayer', 'SigmoidLayer', 'sigmoidLayer');
        args = {ctor.(cls), 'Name', S.Name};
    case {'LeakyReLULayer', 'ClippedReLULayer', 'ELULayer'}
        ctor = struct('LeakyReLULayer', {{'leakyReluLayer', 'Scale'}}, ...
                      'ClippedReLULayer', {{'clippedReluLayer', 'Ceiling'}}, ...
                      'ELULayer', {{'eluLayer', 'Alpha'}});
        c = ctor.(cls);
        args = {c{1}, field(S, c{2}, where), 'Name', S.Name};
    case {'GELULayer', 'SwishLayer', 'FlattenLayer', 'GlobalAveragePooling1DLayer', ...
          'GlobalMaxPooling1DLayer', 'GlobalAveragePooling2DLayer', ...
          'GlobalMaxPooling2DLayer', 'SequenceFoldingLayer', 'SequenceUnfoldingLayer'}
        ctor = struct('GELULayer', 'geluLayer', 'SwishLayer', 'swishLayer', ...
                      'FlattenLayer', 'flattenLayer', ...
                      'GlobalAveragePooling1DLayer', 'globalAveragePooling1dLayer', ...
                      'GlobalMaxPooling1DLayer', 'globalMaxPooling1dLayer', ...
                      'GlobalAveragePooling2DLayer', 'globalAveragePooling2dLayer', ...
                      'GlobalMaxPooling2DLayer', 'globalMaxPooling2dLayer', ...
                      'SequenceFoldingLayer', 'sequenceFoldingLayer', ...
                      'SequenceUnfoldingLayer', 'sequenceUnfoldingLayer');
        args = {ctor.(cls), 'Name', S.Name};
        if strcmp(cls, 'GELULayer')
            args = [args, nonDefault(S, {'Approximation', 'none'}, where)];
        end
    case {'BatchNormalizationLayer', 'LayerNormalizationLayer'}
        args = normalizationArguments(S, cls, where);
    case {'Convolution1DLayer', 'MaxPooling1DLayer', 'AveragePooling1DLayer', ...
          'Convolution2DLayer', 'MaxPooling2DLayer', 'AveragePooling2DLayer'}
        args = convolutionArguments(S, cls, where);
    case {'AdditionLayer', 'MultiplicationLayer'}
        ctor = struct('AdditionLayer', 'additionLayer', 'MultiplicationLayer', ...
                      'multiplicationLayer');
        args = {ctor.(cls), field(S, 'NumInputs', where), 'Name', S.Name};
    case 'ConcatenationLayer'
        args = {'concatenationLayer', field(S, 'Dim', where), field(S, 'NumInputs', where), ...
                'Name', S.Name};
    case 'WordEmbeddingLayer'
        args = {'wordEmbeddingLayer', field(S, 'Dimension', where), ...
                field(S, 'NumWords', where), 'Name', S.Name};
        args = [args, nonDefault(S, {'OOVMode', 'map-to-last'; 'WeightsInitializer', ...
                'narrow-normal'}, where), nonEmpty(S, {'Weights'}, where), ...
                nonDefault(S, {'WeightLearnRateFactor', 1; 'WeightL2Factor', 1}, where)];
    case 'PositionEmbeddingLayer'
        args = {'positionEmbeddingLayer', field(S, 'OutputSize', where), ...
                field(S, 'MaxPosition', where), 'Name', S.Name};
        args = [args, nonDefault(S, {'PositionDimension', 'auto'; 'WeightsInitializer', ...
                'narrow-normal'}, where), nonEmpty(S, {'Weights'}, where), ...
                nonDefault(S, {'WeightLearnRateFactor', 1; 'WeightL2Factor', 1}, where)];
    case 'SelfAttentionLayer'
        args = {'selfAttentionLayer', field(S, 'NumHeads', where), ...
                field(S, 'NumKeyChannels', where), 'Name', S.Name};
        parts = {'Query', 'Key', 'Value', 'Output'};
        learn = [strcat(parts, 'Weights'), strcat(parts, 'Bias')];
        args = [args, nonDefault(S, {'NumValueChannels', 'auto'; 'OutputSize', 'auto'; ...
                'AttentionMask', 'none'; 'DropoutProbability', 0}, where), ...
                nonEmpty(S, learn, where), nonDefault(S, {'WeightLearnRateFactor', 1; ...
                'BiasLearnRateFactor', 1; 'WeightL2Factor', 1; 'BiasL2Factor', 0}, where)];
    case 'ClassificationOutputLayer'
        args = {'classificationLayer', 'Name', S.Name};
        classes = field(S, 'Classes', where);
        if ~ischar(classes)                       % 'auto': MATLAB's default
            args = [args, {'Classes', reshape(classes, [], 1)}];
        end
        args = [args, nonDefault(S, {'ClassWeights', 'none'}, where)];
    case 'RegressionOutputLayer'
        args = {'regressionLayer', 'Name', S.Name};
        names = field(S, 'ResponseNames', where);
        if ~isempty(names)
            args = [args, {'ResponseNames', names}];
        end
    otherwise
        error('dlarr:import:unsupportedLayer', ['dlarrImportLearnables: %s: MATLAB has no ' ...
              'built-in layer for dlarr''s class %s.'], where, cls);
end
end

function args = recurrentArguments(S, cls, where)
ctor = struct('LSTMLayer', 'lstmLayer', 'BiLSTMLayer', 'bilstmLayer', 'GRULayer', ...
              'gruLayer', 'LSTMProjectedLayer', 'lstmProjectedLayer', ...
              'GRUProjectedLayer', 'gruProjectedLayer');
args = {ctor.(cls), field(S, 'NumHiddenUnits', where)};
projected = any(strcmp(cls, {'LSTMProjectedLayer', 'GRUProjectedLayer'}));
if projected
    args = [args, {field(S, 'OutputProjectorSize', where), ...
            field(S, 'InputProjectorSize', where)}];
end
args = [args, {'Name', S.Name}];
options = {'OutputMode', 'sequence'};
for p = {'HasStateInputs', 'HasStateOutputs'}
    if isfield(S, p{1})                     % files of older dlarr lack them
        options = [options; {p{1}, false}]; %#ok<AGROW>
    end
end
if any(strcmp(cls, {'GRULayer', 'GRUProjectedLayer'}))
    options = [options; {'ResetGateMode', 'after-multiplication'}];
    biasInit = 'zeros';
    states = {'HiddenState'};
else
    biasInit = 'unit-forget-gate';
    states = {'HiddenState', 'CellState'};
end
options = [options; {'StateActivationFunction', 'tanh'; 'GateActivationFunction', 'sigmoid'; ...
           'InputWeightsInitializer', 'glorot'; 'RecurrentWeightsInitializer', 'orthogonal'; ...
           'BiasInitializer', biasInit}];
factors = {'InputWeightsLearnRateFactor', 1; 'RecurrentWeightsLearnRateFactor', 1; ...
           'BiasLearnRateFactor', 1; 'InputWeightsL2Factor', 1; ...
           'RecurrentWeightsL2Factor', 1; 'BiasL2Factor', 0};
learn = {'InputWeights', 'RecurrentWeights', 'Bias'};
if projected
    options = [options; {'InputProjectorInitializer', 'orthogonal'; ...
               'OutputProjectorInitializer', 'orthogonal'}];
    learn = [learn, {'InputProjector', 'OutputProjector'}];
    factors = [factors; {'InputProjectorLearnRateFactor', 1; ...
               'OutputProjectorLearnRateFactor', 1; 'InputProjectorL2Factor', 1; ...
               'OutputProjectorL2Factor', 1}];
end
args = [args, nonDefault(S, options, where), nonEmpty(S, [learn, states], where), ...
        nonDefault(S, factors, where)];
end

function args = normalizationArguments(S, cls, where)
if strcmp(cls, 'BatchNormalizationLayer')
    args = {'batchNormalizationLayer', 'Name', S.Name};
    options = {'Epsilon', 1e-5; 'MeanDecay', 0.1; 'VarianceDecay', 0.1};
    learn = {'Offset', 'Scale', 'TrainedMean', 'TrainedVariance'};
else
    args = {'layerNormalizationLayer', 'Name', S.Name};
    options = {'Epsilon', 1e-5; 'OperationDimension', 'auto'};
    learn = {'Offset', 'Scale'};
end
options = [options; {'OffsetInitializer', 'zeros'; 'ScaleInitializer', 'ones'}];
factors = {'OffsetLearnRateFactor', 1; 'ScaleLearnRateFactor', 1; 'OffsetL2Factor', 1; ...
           'ScaleL2Factor', 1};
args = [args, nonDefault(S, options, where), nonEmpty(S, learn, where), ...
        nonDefault(S, factors, where)];
end

function args = convolutionArguments(S, cls, where)
% convolution1dLayer / maxPooling1dLayer / averagePooling1dLayer and their 2-D
% counterparts, with MATLAB's Padding argument: 'same', 'causal', [left right]
% or [top bottom left right].
mode = field(S, 'PaddingMode', where);
if strcmp(mode, 'manual')
    padding = reshape(double(field(S, 'PaddingSize', where)), 1, []);
else
    padding = mode;
end
dims = 1 + any(strcmp(cls, {'Convolution2DLayer', 'MaxPooling2DLayer', ...
                            'AveragePooling2DLayer'}));
ctor = sprintf('%%s%ddLayer', dims);
switch cls
    case {'Convolution1DLayer', 'Convolution2DLayer'}
        args = {sprintf(ctor, 'convolution'), field(S, 'FilterSize', where), ...
                field(S, 'NumFilters', where), 'Name', S.Name};
        options = {'Stride', 1; 'DilationFactor', 1; 'PaddingValue', 0; ...
                   'WeightsInitializer', 'glorot'; 'BiasInitializer', 'zeros'};
        learn = {'Weights', 'Bias'};
        factors = {'WeightLearnRateFactor', 1; 'BiasLearnRateFactor', 1; ...
                   'WeightL2Factor', 1; 'BiasL2Factor', 0};
    case {'MaxPooling1DLayer', 'MaxPooling2DLayer'}
        args = {sprintf(ctor, 'maxPooling'), field(S, 'PoolSize', where), 'Name', S.Name};
        options = {'Stride', 1};
        learn = {};
        factors = cell(0, 2);
    otherwise
        args = {sprintf(ctor, 'averagePooling'), field(S, 'PoolSize', where), 'Name', S.Name};
        options = {'Stride', 1; 'PaddingValue', 0};
        learn = {};
        factors = cell(0, 2);
end
if ~(isnumeric(padding) && all(padding == 0))
    args = [args, {'Padding', padding}];
end
args = [args, nonDefault(S, options, where), nonEmpty(S, learn, where), ...
        nonDefault(S, factors, where)];
end

function v = field(S, name, where)
% Field name of layer struct S, as MATLAB's constructors take it.
if ~isfield(S, name)
    error('dlarr:import:layout', 'dlarrImportLearnables: %s has no field %s.', where, name);
end
v = untag(S.(name), sprintf('%s: %s', where, name));
if iscell(v) && ~isempty(v) && all(cellfun(@(e) isnumeric(e) && isscalar(e), v(:)))
    v = reshape(cellfun(@double, v), 1, []);    % a tuple of numbers: [t b l r], [2 2]
end
end

function v = untag(v, where)
% A tagged value of the layout as a MATLAB value: 'dlarray' and 'ndarray' as their
% numeric array (a 1-D array as a column), 'categorical' (Classes after training on
% categorical labels) as the cell of its elements' names.
if ~(isstruct(v) && isscalar(v) && isfield(v, 'dlarrClass'))
    return
end
switch v.dlarrClass
    case 'dlarray'
        v = untag(v.Data, where);
    case 'ndarray'
        sz = double(v.Size(:)');
        if isempty(sz)
            sz = [1 1];
        elseif isscalar(sz)
            sz = [sz 1];
        end
        v = reshape(v.Data, sz);
    case 'categorical'
        codes = double(v.Codes(:));
        if any(codes < 1)
            error('dlarr:import:layout', 'dlarrImportLearnables: %s has undefined elements.', ...
                  where);
        end
        v = reshape(v.Categories(codes), [], 1);
    otherwise
        error('dlarr:import:layout', ['dlarrImportLearnables: %s holds a dlarr ''%s'', ' ...
              'which MATLAB''s layer constructors do not take.'], where, v.dlarrClass);
end
end

function args = nonDefault(S, options, where)
% {name, value, ...} for the options (name; MATLAB's default) whose value differs
% from the default (a per-gate factor row whose values all equal the default
% counts as the default).
args = {};
for k = 1:size(options, 1)
    v = field(S, options{k, 1}, where);
    d = options{k, 2};
    if ischar(d)
        same = ischar(v) && strcmp(v, d);
    else
        same = (isnumeric(v) || islogical(v)) && ~isempty(v) && all(v(:) == d);
    end
    if ~same
        args = [args, {options{k, 1}, v}]; %#ok<AGROW>
    end
end
end

function args = nonEmpty(S, names, where)
% {name, value, ...} for the fields that are not empty.
args = {};
for k = 1:numel(names)
    v = field(S, names{k}, where);
    if ~isempty(v)
        args = [args, {names{k}, v}]; %#ok<AGROW>
    end
end
end
